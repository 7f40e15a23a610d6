"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) for the platform, under /open311/v2/.

Mapping decisions (documented for integrators in the discovery document's `contact` and here):
- A service is a published list item (service_code = ListItem.code, group = its four-platform category),
  plus the catch-all service "general" for problems the client cannot classify: the dispatch centre
  triages every request anyway. Every service has metadata=true with one optional attribute, `urgency`.
- POST requests needs an api_key (governance.ApiClientKey, issued to one township in the admin). The case
  is reported in that township's name through cases.services.case_report with channel "open311". The
  actor is a per-key service account (username "open311-<key id>", named after the client, a reporter
  of the key's township, unable to sign in), so the audit trail says which external system reported it.
  The requested service_code is recorded in an explicit "case.open311_received" CaseEvent; after triage
  the matched list item wins.
- service_request_id is the case number (what staff and residents quote); the token is the case id.
- GET requests lists only cases that came in through Open311: staff reports are internal working
  documents. No resident's name, phone, photo or reporter is ever returned.
- Status: reported/triaged/assigned are "open"; resolved/closed/returned/withdrawn are "closed"
  (a resolved case that the township rejects is reopened and becomes "open" again).

The package: keys (issuing and checking api_keys), selectors (services and requests), rendering (XML/JSON
and the spec's dicts), services (POST requests), views (the endpoints), admin (issuing keys).
"""

from cases.open311.keys import api_key_issue  # noqa: F401 - the key-issuing service, used by admin and tests
