"""Issue 16, "Measured": a corpus of hostile inputs sent to every API operation (read from /api/schema/),
every Open311 endpoint and the main HTML forms (report, sign-in, 这件事归谁管？ lookup).

For every request: no response is a 5xx; an error under /api/ is the API's JSON error body
({"detail", "code"[, "errors"]}), an error under /open311/ is an Open311 error in the asked format; and a
refused request wrote nothing (no case, event, attachment, admission request, list or item appeared).
"""

import json
from urllib.parse import quote
from urllib.parse import urlencode as _urlencode

import pytest
from django.test import Client

from tests.api.conftest import case_in_state

pytestmark = pytest.mark.django_db

HOSTILE = {
    "sql": "' OR 1=1; DROP TABLE cases_case; --",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "template": "{{ 7|add:7 }}{% debug %}${7*7}#{7*7}",
    "traversal": "../../../../etc/passwd",
    "nul": "a\x00b",
    "surrogate": "a\ud800b",
    "huge": "长" * 100_000,
    "overflow": "9" * 40,
    "negative": "-1",
    "float": "1e309",
    "bad_date": "2026-02-30",
    "bidi": "\u202e\u0000\ufeff",
}
# Percent-encoded bytes that are no UTF-8 at all.
INVALID_UTF8 = "%ff%fe%c3%28"
NUMBERS = [10**30, -1, -(2**63) - 1, 1.5e308]


def urlencode(data):
    # A lone surrogate goes out as its (invalid) UTF-8 bytes, as a hostile client would send it.
    return _urlencode(data, errors="surrogatepass")


def _snapshot():
    from admission.models import AdmissionRequest
    from cases.models import Attachment, Case, CaseEvent
    from responsibilities.models import DutyList, ListItem

    return tuple(model.objects.count() for model in (Case, CaseEvent, Attachment, AdmissionRequest, DutyList, ListItem))


class Sender:
    """Sends one request, then checks the answer's status, format and (for a refusal) that nothing was written."""

    def __init__(self, client, writes_a_case=None):
        # writes_a_case(response): for a form that files a report, whether this answer means "one case was
        # filed" (then exactly one case and nothing half-written besides its own rows), else nothing was written.
        self.client, self.count, self.statuses, self.writes_a_case = client, 0, {}, writes_a_case
        self.cases_written = 0

    def __call__(self, method, url, data=b"", content_type="application/octet-stream", **extra):
        before = _snapshot()
        response = self.client.generic(method, url, data, content_type=content_type, **extra)
        self.count += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        label = f"{method} {url[:120]} ({content_type[:40]}, {len(data)} bytes)"
        assert response.status_code < 500, f"{label}: {response.status_code} {response.content[:300]!r}"
        if self.writes_a_case is not None and response.status_code < 400:
            after = _snapshot()
            if self.writes_a_case(response):
                assert after[0] == before[0] + 1, f"{label}: accepted, but {after[0] - before[0]} cases written"
                self.cases_written += 1
            else:
                assert after == before, f"{label}: refused ({response.status_code}) but something was written"
        if response.status_code >= 400:
            assert _snapshot() == before, f"{label}: refused ({response.status_code}) but something was written"
            if url.startswith("/api/"):
                assert response["Content-Type"].startswith("application/json"), (label, response["Content-Type"])
                body = json.loads(response.content)
                assert {"detail", "code"} <= set(body), (label, body)
                if response.status_code == 400:
                    assert isinstance(body.get("errors"), dict), (label, body)
            elif url.startswith("/open311/"):
                if ".json" in url:
                    assert response["Content-Type"].startswith("application/json"), (label, response["Content-Type"])
                    body = json.loads(response.content)
                    assert isinstance(body, list) and {"code", "description"} <= set(body[0]), (label, body)
                else:
                    assert response["Content-Type"].startswith("text/xml"), (label, response["Content-Type"])
                    assert b"<errors>" in response.content, label
        return response


@pytest.fixture
def world(org, duty, settings):
    from rest_framework.authtoken.models import Token

    settings.ALLOWED_HOSTS = ["*"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/min", "user": "100000/min", "open311": "100000/min"}}
    settings.RATELIMIT_ENABLE = False
    cases = [case_in_state(org, duty, state) for state in ("reported", "assigned", "claimed", "resolved")]
    ids = {"cases": [c.pk for c in cases], "versions": [duty.version.pk], "items": [duty.assisting.pk],
           "units": [org.township.pk], "departments": [org.dept.pk]}
    return type("World", (), {"org": org, "duty": duty, "cases": cases, "ids": ids,
                              "token": lambda user: Token.objects.get_or_create(user=user)[0].key})


def _operations():
    schema = json.loads(Client().get("/api/schema/?format=json").content)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method.upper(), operation, schema["components"]["schemas"]


def _body_fields(operation, components):
    content = (operation.get("requestBody") or {}).get("content") or {}
    schema = next(iter(content.values()), {}).get("schema", {}) if content else {}
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema.get("properties") or {}


def _real_path(path, ids):
    kind = next((k for k in ids if path.startswith(f"/api/v1/{k}/")), "units")
    return path.replace("{id}", str(ids[kind][0])).replace("{code}", "sfx-township")


def test_every_api_operation_survives_the_hostile_corpus(world):
    send = Sender(Client(HTTP_AUTHORIZATION=f"Token {world.token(world.org.dispatcher)}"))
    operations = list(_operations())
    assert len(operations) >= 35
    for path, method, operation, components in operations:
        url = _real_path(path, world.ids)
        params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"] or ["q"]
        # Query strings: every parameter at once set to each hostile value, bytes that are no UTF-8, 20 kB.
        for value in HOSTILE.values():
            send(method if method == "GET" else "GET", url + "?" + urlencode({name: value[:4000] for name in params}))
        send("GET", url + "?" + "&".join(f"{name}={INVALID_UTF8}" for name in params))
        send("GET", url + "?" + urlencode({params[0]: "x" * 20_000}))
        # Path ids that are no id.
        if "{id}" in path:
            for bad in ("99999999999999999999999", "-1", "0", "%00", "..%2F..%2Fetc"):
                send(method, path.replace("{id}", bad).replace("{code}", "sfx-township"))
        if "{code}" in path:
            send(method, path.replace("{code}", "..%2F..%2Fetc%2Fpasswd").replace("{id}", "1"))
        if method == "GET":
            continue
        fields = _body_fields(operation, components) or {"title": {"type": "string"}}
        for value in HOSTILE.values():
            send(method, url, json.dumps({name: value for name in fields}), "application/json")
        for number in NUMBERS:
            send(method, url, json.dumps({name: number for name in fields}), "application/json")
        send(method, url, json.dumps({name: "2026-13-45T99:99" for name in fields}), "application/json")
        send(method, url, json.dumps({name: [[[[{}]]]] for name in fields}), "application/json")
        send(method, url, "[" * 5000 + "]" * 5000, "application/json")
        send(method, url, b'{"title": "\xff\xfe\xc3\x28"}', "application/json")
        send(method, url, b"\xff\xfe", "application/x-www-form-urlencoded")
        send(method, url, "<a><b>&xxe;</b></a>", "application/xml")
        send(method, url, "title=hello", "text/plain")
        send(method, url, b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb", "multipart/form-data")
        send(method, url, b"garbage", "multipart/form-data; boundary=")
        # A file whose name climbs out of the upload folder, in every file field (or one named "photos").
        files = [name for name, sub in fields.items()
                 if sub.get("format") == "binary" or (sub.get("items") or {}).get("format") == "binary"] or ["photos"]
        boundary = "hostileboundary"
        parts = b"".join(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"../../../etc/passwd.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n".encode() + b"\x89PNG\r\n\x1a\nnot really\r\n" for name in files
        ) + f"--{boundary}--\r\n".encode()
        send(method, url, parts, f"multipart/form-data; boundary={boundary}")
    assert send.count > len(operations) * 15
    assert not any(status >= 500 for status in send.statuses)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_open311_endpoint_survives_the_hostile_corpus(world, fmt):
    from cases.models import Case
    from cases.open311 import api_key_issue

    _key, clear = api_key_issue(name="示范县12345热线", unit=world.org.township)
    send = Sender(Client(), writes_a_case=lambda response: response.status_code in (200, 201) and
                  response.request["REQUEST_METHOD"] == "POST")
    base = "/open311/v2"
    reads = [f"{base}/discovery.{fmt}", f"{base}/services.{fmt}", f"{base}/services/A-001.{fmt}",
             f"{base}/requests.{fmt}", f"{base}/requests/{world.cases[0].number}.{fmt}", f"{base}/tokens/abc.{fmt}"]
    for url in reads:
        for value in HOSTILE.values():
            send("GET", url + "?" + urlencode({"jurisdiction_id": value[:4000], "service_request_id": value[:4000],
                                               "start_date": value[:4000], "status": value[:4000]}))
        send("GET", f"{url}?jurisdiction_id={INVALID_UTF8}&start_date={INVALID_UTF8}")
        send("GET", url + "?" + urlencode({"service_request_id": "x" * 20_000}))
    for value in HOSTILE.values():
        for segment in ("services", "requests", "tokens"):
            send("GET", f"{base}/{segment}/{quote(value[:200], safe='', errors='surrogatepass')}.{fmt}")
    valid = {"api_key": clear, "service_code": "A-001", "lat": "30.123456", "long": "120.654321",
             "address_string": "城关街道农贸市场东门", "description": "东门摊位销售过期熟食"}
    cases_before = Case.objects.count()
    for field in ("service_code", "lat", "long", "address_string", "description", "first_name", "phone",
                  "attribute[urgency]", "jurisdiction_id"):
        for value in HOSTILE.values():
            send("POST", f"{base}/requests.{fmt}", urlencode({**valid, field: value}), "application/x-www-form-urlencoded")
        send("POST", f"{base}/requests.{fmt}", urlencode(valid).encode() + f"&{field}={INVALID_UTF8}".encode(),
             "application/x-www-form-urlencoded")
    for body, content_type in ((b"garbage", "multipart/form-data; boundary="), (b"\xff\xfe", "text/plain"),
                               ("[" * 5000, "application/json"), ("<a/>", "application/xml")):
        send("POST", f"{base}/requests.{fmt}", body, content_type)
    # Every accepted hostile request is one whole case (no half case, no duplicate); hostile text that the
    # validators let through (SQL, HTML, template syntax) is stored as text.
    assert Case.objects.count() == cases_before + send.cases_written
    assert send.cases_written >= 1  # the corpus is not refused wholesale: hostile but valid text is accepted
    assert Case.objects.filter(description=HOSTILE["sql"]).count() <= 1
    assert not any(status >= 500 for status in send.statuses)


def test_the_main_html_forms_survive_the_hostile_corpus(world):
    from cases.models import Case

    org = world.org
    reporter = Client()
    reporter.force_login(org.reporter)
    anonymous = Client()
    send_as_reporter = Sender(reporter, writes_a_case=lambda response: response.request["REQUEST_METHOD"] == "POST"
                              and response.status_code == 302)
    send_anonymous = Sender(anonymous)
    report = {"township": str(org.township.pk), "title": "农贸市场销售过期食品", "description": "东门第三个摊位",
              "address": "城关街道农贸市场东门", "urgency": "normal", "channel": "staff"}
    cases_before = Case.objects.count()
    for field in ("township", "title", "description", "address", "urgency", "channel", "latitude", "longitude",
                  "resident_name", "resident_phone"):
        for value in HOSTILE.values():
            send_as_reporter("POST", "/cases/report/", urlencode({**report, field: value}),
                             "application/x-www-form-urlencoded")
    for body, content_type in ((b"garbage", "multipart/form-data; boundary="), (b"\xff\xfe", "application/x-www-form-urlencoded"),
                               (urlencode(report).encode() + b"&title=%ff%fe", "application/x-www-form-urlencoded")):
        send_as_reporter("POST", "/cases/report/", body, content_type)
    boundary = "hostileboundary"
    fields = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
                      for k, v in report.items())
    photo = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"../../../etc/passwd\"\r\n"
             f"Content-Type: image/png\r\n\r\n").encode() + b"<?php system($_GET['c']); ?>\r\n"
    send_as_reporter("POST", "/cases/report/", fields + photo + f"--{boundary}--\r\n".encode(),
                     f"multipart/form-data; boundary={boundary}")
    # Each accepted report is one whole case; the rest wrote nothing (checked per request by Sender).
    assert Case.objects.count() == cases_before + send_as_reporter.cases_written
    assert send_as_reporter.cases_written >= 1
    for value in HOSTILE.values():
        send_anonymous("POST", "/accounts/login/", urlencode({"username": value, "password": value}),
                       "application/x-www-form-urlencoded")
        send_anonymous("GET", "/lists/lookup/?" + urlencode({"q": value[:4000], "township": value[:4000]}))
        send_as_reporter("GET", "/cases/search/?" + urlencode({"q": value[:4000], "created_after": value[:4000],
                                                               "township": value[:4000], "page": value[:4000]}))
    send_anonymous("GET", f"/lists/lookup/?q={INVALID_UTF8}")
    send_anonymous("GET", "/lists/lookup/?" + urlencode({"q": "x" * 20_000}))
    send_anonymous("POST", "/accounts/login/", b"username=%ff%fe&password=%00", "application/x-www-form-urlencoded")
    assert not any(status >= 500 for status in send_as_reporter.statuses | send_anonymous.statuses)


def test_an_overlong_username_is_refused_like_a_wrong_password(org):
    response = Client().post("/accounts/login/", {"username": "a" * 300, "password": "x"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["username"] == [str(form.error_messages["invalid_login"] % {"username": "用户名"})]
    assert not response.wsgi_request.user.is_authenticated
