"""Open311 GeoReport v2: every endpoint in XML and JSON, validation, api_key handling and a round trip."""

import json
from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own responses in tests

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseEvent, Channel
from governance.models import ApiClientKey

BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"


def parse(response, fmt):
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def post_request(client, key, fmt="xml", **params):
    body = {"api_key": key, "service_code": "A-001", "lat": "30.123456", "long": "120.654321",
            "address_string": "城关街道农贸市场东门", "description": "东门摊位销售过期熟食", **params}
    from urllib.parse import urlencode

    return client.post(f"{BASE}/requests.{fmt}", urlencode(body), content_type=FORM)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_discovery_lists_the_v2_endpoint_in_both_formats(client, db, fmt):
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == "http://testserver/open311/v2/"
        assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    else:
        assert data.tag == "discovery"
        assert data.find("endpoints/endpoint/specification").text == "http://wiki.open311.org/GeoReport_v2"
        assert [f.text for f in data.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_services_are_the_published_list_items(client, duty, fmt):
    response = client.get(f"{BASE}/services.{fmt}")
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "xml":
        assert data.tag == "services"
        data = [{child.tag: child.text or "" for child in service} for service in data.findall("service")]
        for service in data:
            service["metadata"] = service["metadata"] == "true"
    by_code = {s["service_code"]: s for s in data}
    assert set(by_code) == {"A-001", "B-001", "N-001", "general"}
    assert by_code["A-001"]["service_name"] == "食品安全隐患排查"
    assert by_code["A-001"]["group"] == "市场监管"
    assert by_code["A-001"]["keywords"] == "食品,餐饮"
    assert by_code["A-001"]["metadata"] is True
    assert by_code["A-001"]["type"] == "realtime"
    assert "县综合执法局" in by_code["N-001"]["description"]


def test_draft_items_are_not_services(client, duty, org):
    from responsibilities import services as list_services

    draft = list_services.list_draft_start(duty_list=duty.list, actor=org.editor)
    list_services.list_item_add(version=draft, actor=org.editor, code="D-001", title="草稿事项", kind="basic",
                                category="service")
    codes = [s["service_code"] for s in client.get(f"{BASE}/services.json").json()]
    assert "D-001" not in codes


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_service_definition_describes_the_urgency_attribute(client, duty, fmt):
    response = client.get(f"{BASE}/services/A-001.{fmt}")
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "json":
        assert data["service_code"] == "A-001"
        attribute = data["attributes"][0]
        assert attribute["code"] == "urgency" and attribute["datatype"] == "singlevaluelist"
        assert [v["key"] for v in attribute["values"]] == ["normal", "urgent"]
    else:
        assert data.tag == "service_definition"
        assert data.find("attributes/attribute/code").text == "urgency"
        assert [v.text for v in data.findall("attributes/attribute/values/value/key")] == ["normal", "urgent"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_service_is_a_404_in_the_spec_error_format(client, duty, fmt):
    response = client.get(f"{BASE}/services/NOPE.{fmt}")
    assert response.status_code == 404
    data = parse(response, fmt)
    if fmt == "json":
        assert data[0]["code"] == 404 and "NOPE" in data[0]["description"]
    else:
        assert data.tag == "errors" and data.find("error/code").text == "404"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_request_reports_a_case_in_the_townships_name(client, duty, org, api_key, fmt):
    key, clear = api_key
    response = post_request(client, clear, fmt, first_name="晓明", last_name="王", phone="13800000000",
                            **{"attribute[urgency]": "urgent"})
    assert response.status_code == 201, response.content
    data = parse(response, fmt)
    request_id = data[0]["service_request_id"] if fmt == "json" else data.find("request/service_request_id").text
    case = Case.objects.get(number=request_id)
    assert case.township == org.township
    assert case.channel == Channel.OPEN311
    assert case.urgency == "urgent"
    assert case.resident_name == "王晓明" and case.resident_phone == "13800000000"
    assert str(case.latitude) == "30.123456"
    assert case.reporter.username == f"open311-{key.pk}"
    assert not case.reporter.is_active and not case.reporter.has_usable_password()
    received = CaseEvent.objects.get(case=case, action="case.open311_received")
    assert received.data["service_code"] == "A-001"
    assert CaseEvent.objects.filter(case=case, action="case.reported").exists()
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_missing_api_key_is_400_and_wrong_or_revoked_key_is_403(client, duty, api_key, fmt):
    key, clear = api_key
    missing = post_request(client, "", fmt)
    assert missing.status_code == 400
    wrong = post_request(client, clear + "x", fmt)
    assert wrong.status_code == 403
    ApiClientKey.objects.filter(pk=key.pk).update(is_active=False)
    revoked = post_request(client, clear, fmt)
    assert revoked.status_code == 403
    data = parse(revoked, fmt)
    assert (data[0]["code"] if fmt == "json" else int(data.find("error/code").text)) == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"service_code": ""}, "service_code"),
        ({"service_code": "NOPE"}, "NOPE"),
        ({"lat": "", "long": "", "address_string": ""}, "位置"),
        ({"lat": "abc"}, "lat"),
        ({"lat": "91"}, "lat"),
        ({"long": ""}, "lat 与 long"),
        ({"description": ""}, "description"),
        ({"attribute[urgency]": "very"}, "urgency"),
        ({"jurisdiction_id": "NOWHERE"}, "jurisdiction_id"),
    ],
)
def test_invalid_post_is_a_4xx_with_a_clear_description_and_writes_nothing(client, duty, api_key, params, message):
    response = post_request(client, api_key[1], "json", **params)
    assert response.status_code in (400, 404)
    assert message in response.json()[0]["description"]
    assert not Case.objects.exists()


def test_real_clients_empty_jurisdiction_key_in_query_string_and_form_without_charset(client, duty, org, api_key):
    from urllib.parse import urlencode

    body = urlencode({"jurisdiction_id": "", "service_code": "general", "address_string": "青石路 12 号",
                      "description": "路灯不亮"})
    response = client.post(f"{BASE}/requests.xml?api_key={api_key[1]}", body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201, response.content
    # No content type at all (seen from old hotline systems): still read as a form.
    response = client.generic("POST", f"{BASE}/requests.json?api_key={api_key[1]}", body.encode(), content_type="")
    assert response.status_code == 201, response.content
    assert Case.objects.filter(township=org.township, channel="open311").count() == 2


def test_jurisdiction_id_of_the_county_is_accepted(client, duty, org, api_key):
    response = post_request(client, api_key[1], "json", jurisdiction_id=org.county.code)
    assert response.status_code == 201


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_round_trip_post_find_by_id_and_in_list_then_closed_when_resolved(client, duty, org, api_key, fmt):
    response = post_request(client, api_key[1], "json", first_name="晓明", last_name="王", phone="13800000000")
    request_id = response.json()[0]["service_request_id"]
    token = response.json()[0]["token"]

    one = client.get(f"{BASE}/requests/{request_id}.{fmt}")
    assert one.status_code == 200
    listed = client.get(f"{BASE}/requests.{fmt}")
    tokens = client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert tokens.status_code == 200
    if fmt == "json":
        request = one.json()[0]
        assert request["status"] == "open"
        assert request["service_code"] == "A-001" and request["service_name"] == "食品安全隐患排查"
        assert request["requested_datetime"].endswith("+08:00")
        assert request["expected_datetime"] is not None
        assert request_id in [r["service_request_id"] for r in listed.json()]
        assert tokens.json()[0]["service_request_id"] == request_id
    else:
        tree = parse(one, fmt)
        assert tree.find("request/status").text == "open"
        assert request_id in [e.text for e in parse(listed, fmt).findall("request/service_request_id")]
        assert parse(tokens, fmt).find("request/service_request_id").text == request_id
    # Residents' personal data is never in a GET response.
    for body in (one.content, listed.content):
        assert "王晓明".encode() not in body and b"13800000000" not in body and "晓明".encode() not in body

    case = Case.objects.get(number=request_id)
    case = case_services.case_triage(case=case, actor=org.dispatcher)
    case = case_services.case_assign(case=case, actor=org.dispatcher, list_item=duty.assisting)
    assigned = client.get(f"{BASE}/requests/{request_id}.json").json()[0]
    assert assigned["status"] == "open" and assigned["agency_responsible"] == "县市场监管局"
    case = case_services.case_claim(case=case, actor=org.officer)
    case_services.case_resolve(case=case, actor=org.officer, note="已责令下架")
    resolved = client.get(f"{BASE}/requests/{request_id}.json").json()[0]
    assert resolved["status"] == "closed"
    assert "已责令下架" in resolved["status_notes"]
    assert resolved["expected_datetime"] is None
    assert resolved["updated_datetime"] >= resolved["requested_datetime"]
    closed = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json?status=closed").json()]
    still_open = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json?status=open").json()]
    assert request_id in closed and request_id not in still_open


def test_get_requests_filters_and_defaults(client, duty, org, api_key):
    first = post_request(client, api_key[1], "json").json()[0]["service_request_id"]
    second = post_request(client, api_key[1], "json", service_code="general").json()[0]["service_request_id"]
    staff_case = case_services.case_report(actor=org.reporter, township=org.township, title="内部上报",
                                           description="内部", address="街道办")

    def ids(query=""):
        response = client.get(f"{BASE}/requests.json{query}")
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    assert ids() == [second, first]  # newest first; staff reports are not published
    assert staff_case.number not in ids()
    assert ids(f"?service_request_id={first},{staff_case.number}") == [first]
    assert ids("?service_code=general") == [second]
    assert ids("?service_code=A-001") == [first]
    # Default window: the last 90 days.
    Case.objects.filter(number=first).update(created_at=timezone.now() - timezone.timedelta(days=120))
    assert ids() == [second]
    assert ids("?start_date=2000-01-01T00:00:00Z") == [second, first]
    assert ids("?end_date=2000-01-01T00:00:00%2B08:00") == []
    for bad in ("?start_date=yesterday", "?status=pending",
                "?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"):
        response = client.get(f"{BASE}/requests.xml{bad}")
        assert response.status_code == 400, bad
        assert ET.fromstring(response.content).tag == "errors"  # noqa: S314


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_request_and_token_are_404(client, db, fmt):
    assert client.get(f"{BASE}/requests/SZ-1999-000001.{fmt}").status_code == 404
    assert client.get(f"{BASE}/tokens/999999.{fmt}").status_code == 404
    assert client.get(f"{BASE}/tokens/abc.{fmt}").status_code == 404


def test_open311_clients_are_throttled(client, db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "open311": "3/min"}}
    codes = [client.get(f"{BASE}/discovery.json").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get(f"{BASE}/discovery.xml").content.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<errors>')


def test_the_admin_issues_a_key_once_and_stores_only_its_digest(org, client_for):
    import hashlib

    admin = client_for(org.admin)
    response = admin.post("/admin/governance/apiclientkey/add/", {"name": "12345热线", "unit": org.township.pk})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = ApiClientKey.objects.get()
    clear = response.context["clear_key"]
    assert clear.encode() in response.content
    assert key.key_digest == hashlib.sha256(clear.encode()).hexdigest()
    assert clear not in key.key_digest and key.key_prefix == clear[:12]
    page = admin.get(f"/admin/governance/apiclientkey/{key.pk}/change/")
    assert clear.encode() not in page.content


def test_a_key_can_only_be_issued_to_a_township(org):
    from django.core.exceptions import ValidationError

    from cases.open311 import api_key_issue

    with pytest.raises(ValidationError):
        api_key_issue(name="x", unit=org.dept)


def test_the_admin_refuses_a_key_for_a_department_with_a_form_error(org, client_for):
    response = client_for(org.admin).post("/admin/governance/apiclientkey/add/", {"name": "x", "unit": org.dept.pk})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["unit"]
    assert not ApiClientKey.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "options"])
def test_other_methods_get_an_answer_in_the_spec_format_not_a_500(client, db, method):
    response = getattr(client, method)(f"{BASE}/services.xml")
    assert response.status_code in (200, 405)
    if response.status_code == 405:
        assert ET.fromstring(response.content).find("error/code").text == "405"  # noqa: S314


def test_request_list_queries_do_not_grow_with_the_number_of_requests(client, duty, org, api_key,
                                                                      django_assert_max_num_queries):
    post_request(client, api_key[1], "json")
    with django_assert_max_num_queries(6) as one:
        assert len(client.get(f"{BASE}/requests.json").json()) == 1
    for _ in range(6):
        post_request(client, api_key[1], "json")
    case = Case.objects.order_by("id").first()
    case = case_services.case_triage(case=case, actor=org.dispatcher)
    case_services.case_assign(case=case, actor=org.dispatcher, list_item=duty.assisting)
    with django_assert_max_num_queries(6) as seven:
        assert len(client.get(f"{BASE}/requests.json").json()) == 7
    assert len(one.captured_queries) == len(seven.captured_queries)


def test_a_service_of_another_townships_tailored_list_cannot_be_requested_with_this_townships_key(
        client, duty, org, api_key):
    import datetime

    from responsibilities import services as list_services

    tailored = list_services.list_create(actor=org.editor, code="qs-extra", name="青石镇特色事项", level="township",
                                         jurisdiction=org.county, unit=org.township_b)
    draft = tailored.versions.get()
    list_services.list_item_add(version=draft, actor=org.editor, code="T-001", title="茶园病虫害防治", kind="basic",
                                category="service")
    list_services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 1, 1))
    assert "T-001" in [s["service_code"] for s in client.get(f"{BASE}/services.json").json()]
    response = post_request(client, api_key[1], "json", service_code="T-001")
    assert response.status_code == 400
    assert "T-001" in response.json()[0]["description"]


def test_a_general_request_records_the_routing_services_answer_beside_what_the_client_asked(client, duty, api_key):
    """"其他问题" carries no list item: the received event keeps the routing service's verdict and model, so the
    dispatcher sees what the platform suggested; a named service records no routing answer."""
    response = post_request(client, api_key[1], "json", service_code="general", description="东门摊位销售过期熟食")
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    received = CaseEvent.objects.get(case=case, action="case.open311_received")
    assert received.data["service_code"] == "general"
    assert received.data["routing_verdict"] in {"township", "department", "undecided"}
    assert "routing_model" in received.data
    named = post_request(client, api_key[1], "json").json()[0]["service_request_id"]
    assert "routing_verdict" not in CaseEvent.objects.get(case__number=named, action="case.open311_received").data


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_phone_and_id_numbers_written_into_a_case_are_masked_in_what_the_public_reads(client, duty, org, api_key,
                                                                                        fmt):
    request_id = post_request(
        client, api_key[1], "json",
        description="摊主王某拒不整改，请联系举报人 139 1234 5678 或 0731-84561234，身份证号 43010219800101123X。",
        address_string="城关街道农贸市场东门（门卫电话 13800001111）",
    ).json()[0]["service_request_id"]
    case = Case.objects.get(number=request_id)
    case = case_services.case_triage(case=case, actor=org.dispatcher)
    case = case_services.case_assign(case=case, actor=org.dispatcher, list_item=duty.assisting)
    case = case_services.case_claim(case=case, actor=org.officer)
    case_services.case_resolve(case=case, actor=org.officer, note="已责令下架，回访电话 13900002222 满意")

    for url in (f"{BASE}/requests/{request_id}.{fmt}", f"{BASE}/requests.{fmt}"):
        body = client.get(url).content.decode()
        for clear in ("139 1234 5678", "84561234", "43010219800101123X", "13800001111", "13900002222"):
            assert clear not in body, (url, clear)
        assert "139****5678" in body and "430***********123X" in body and "139****2222" in body
        assert "摊主王某拒不整改" in body and "已责令下架" in body  # the rest of the text is untouched
    # The staff who handle the case still read what was written (the API for a signed-in user is unchanged).
    assert "139 1234 5678" in Case.objects.get(pk=case.pk).description
