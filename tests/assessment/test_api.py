"""The assessment API (/api/v1/assessment/...): contract in the OpenAPI schema, access per persona, bad input 4xx."""

import pytest
from rest_framework.test import APIClient

from assessment import services
from cases import services as case_services

pytestmark = pytest.mark.django_db
FULL = {"supervisor", "assessor", "city_supervisor"}
OWN = {"officer": "dept", "officer_a2": "dept", "dept_supervisor": "dept", "officer_b": "dept_b",
       "reporter": "township", "township_supervisor": "township", "reporter_b": "township_b"}
JUNE = "period=month&value=2026-06"


@pytest.fixture
def month(org, lists, at, report_case):
    with at("2026-06-08 09:00"):
        a = report_case()
        a = case_services.case_assign(case=a, actor=org.dispatcher, list_item=lists.assisting)
        b = report_case("青石镇的事", township=org.township_b, actor=org.reporter_b)
        b = case_services.case_assign(case=b, actor=org.dispatcher, list_item=lists.negative)
    return a, b


def api(user):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def test_figures_and_ranking_per_persona(org, month, at):
    personas = {**org.personas(), "assessor": org.assessor}
    with at("2026-07-02 10:00"):
        for name, user in personas.items():
            figures = api(user).get(f"/api/v1/assessment/figures/?{JUNE}")
            ranking = api(user).get(f"/api/v1/assessment/ranking/?{JUNE}")
            if user is None:
                assert figures.status_code == ranking.status_code == 401, name
                assert figures.json()["code"] == "not_authenticated"
                continue
            if name not in FULL and name not in OWN:
                assert figures.status_code == ranking.status_code == 403, name
                assert figures.json()["code"] == "permission_denied"
                continue
            assert figures.status_code == ranking.status_code == 200, name
            body = figures.json()
            ids = {r["id"] for r in body["department"] + body["township"]}
            ranked = {r["id"] for r in ranking.json()["department"] + ranking.json()["township"]}
            if name in FULL:
                assert {org.dept.pk, org.dept_b.pk, org.township.pk, org.township_b.pk} <= ids == ranked, name
            else:
                assert ids == ranked == {getattr(org, OWN[name]).pk}, name
                assert all(r["body"] == getattr(org, OWN[name]).pk for r in body["missed"] + body["exemptions"])


def test_figures_are_those_of_the_page(org, month, at, client_for):
    with at("2026-07-02 10:00"):
        page = client_for(org.supervisor).get(f"/assessment/?{JUNE}").context["data"]
        body = api(org.supervisor).get(f"/api/v1/assessment/figures/?{JUNE}&body={org.dept.pk}").json()
    assert body["period"] == "2026-06" and body["closed"] is False and body["close"] is None
    assert [r["id"] for r in body["department"]] == [org.dept.pk] and body["township"] == []
    expected = next(r for r in page["department"] if r["id"] == org.dept.pk)
    assert body["department"][0]["figures"] == expected["figures"]
    assert body["department"][0]["figures"]["received"] == {"n": 1, "d": None, "value": 1}
    assert body["formula"]["version"] == 1 and "按时办结率" in body["formula"]["department"]


def test_bad_input_is_a_400_or_404_in_the_api_format(org, month, at):
    with at("2026-07-02 10:00"):
        client = api(org.supervisor)
        for query in ("period=month&value=2026-13", "period=week", "period=custom&from=2026-06-01&to=x",
                      "period=quarter&value=2026-Q9", "county=abc", "body=x"):
            response = client.get(f"/api/v1/assessment/figures/?{query}")
            assert response.status_code == 400, query
            assert response.json()["code"] == "invalid" and response.json()["errors"], query
        assert client.get(f"/api/v1/assessment/figures/?{JUNE}&body=999999").json()["code"] == "not_found"
        assert client.get(f"/api/v1/assessment/figures/?{JUNE}&county=999999").status_code == 404
        # an officer may not look at another department's row
        response = api(org.officer).get(f"/api/v1/assessment/figures/?{JUNE}&body={org.dept_b.pk}")
        assert response.status_code == 404
        assert client.get("/api/v1/assessment/exemptions/?status=nonsense").status_code == 400
        assert client.get("/api/v1/assessment/exemptions/%C3%83x/").status_code == 404
        assert client.get("/api/v1/assessment/closes/abc/").status_code == 404


def test_exemption_flow_through_the_api(org, month, at, media_root):
    from assessment.models import AssessmentEvent, ExemptionRequest

    case = month[0]
    with at("2026-07-02 10:00"):
        url = "/api/v1/assessment/exemptions/"
        assert api(None).post(url, {}, format="json").status_code == 401
        assert api(org.nobody).post(url, {"case": case.pk, "reason": "other", "text": "x"},
                                    format="json").status_code == 403
        assert api(org.dispatcher).post(url, {"case": case.pk, "reason": "other", "text": "x"},
                                        format="json").status_code == 403
        bad = api(org.officer).post(url, {"case": case.pk, "reason": "because", "text": ""}, format="json")
        assert bad.status_code == 400 and {"reason", "text"} <= set(bad.json()["errors"])
        # a case the user may not see is a 404; a body that is not theirs a 400
        hidden = api(org.officer).post(url, {"case": month[1].pk, "reason": "other", "text": "说明"}, format="json")
        assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
        other = api(org.officer).post(url, {"case": case.pk, "body": org.dept_b.pk, "reason": "other",
                                            "text": "说明"}, format="json")
        assert other.status_code == 400 and "body" in other.json()["errors"]
        created = api(org.officer).post(url, {"case": case.pk, "reason": "not_delegated", "text": "执法权未下放"},
                                        format="json")
        assert created.status_code == 201, created.json()
        data = created.json()
        assert data["body"] == org.dept.pk and data["status"] == "pending" and data["case_number"] == case.number
        again = api(org.officer_a2).post(url, {"case": case.pk, "reason": "other", "text": "再次"}, format="json")
        assert again.status_code == 400 and "不能重复申请" in again.json()["errors"]["case"][0]

        detail = f"{url}{data['id']}/"
        assert api(org.officer).get(detail).status_code == 200
        assert api(org.officer_b).get(detail).status_code == 404  # another department's request
        assert [r["id"] for r in api(org.assessor).get(f"{url}?status=pending").json()["results"]] == [data["id"]]
        assert api(org.officer_b).get(url).json()["results"] == []

        decide = f"{detail}decide/"
        denied = api(org.officer).post(decide, {"decision": "approve", "note": "自己批"}, format="json")
        assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
        assert api(org.officer_b).post(decide, {"decision": "approve", "note": "x"}, format="json").status_code == 404
        bad = api(org.assessor).post(decide, {"decision": "maybe", "note": ""}, format="json")
        assert bad.status_code == 400 and {"decision", "note"} <= set(bad.json()["errors"])
        approved = api(org.assessor).post(decide, {"decision": "approve", "note": "权责不匹配属实"}, format="json")
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        late = api(org.supervisor).post(decide, {"decision": "reject", "note": "改判"}, format="json")
        assert late.status_code == 409 and late.json()["code"] == "conflict"

        figures = api(org.officer).get(f"/api/v1/assessment/figures/?{JUNE}").json()
        assert [(r["case"], r["code"]) for r in figures["exemptions"]] == [(case.pk, "request:not_delegated")]
    assert ExemptionRequest.objects.get().status == "approved"
    assert list(AssessmentEvent.objects.values_list("action", flat=True)) == ["exemption.requested",
                                                                             "exemption.approved"]


def test_closed_snapshots_are_read_only_and_scoped(org, month, at):
    with at("2026-07-02 10:00"):
        close = services.month_close(actor=org.assessor, county=org.county, month=month[0].created_at.date())
        listing = api(org.supervisor).get("/api/v1/assessment/closes/")
        assert listing.status_code == 200
        assert [(r["id"], r["month"], r["in_force"]) for r in listing.json()["results"]] == [(close.pk, "2026-06", True)]
        full = api(org.supervisor).get(f"/api/v1/assessment/closes/{close.pk}/").json()
        assert {r["id"] for r in full["snapshot"]["department"]} >= {org.dept.pk, org.dept_b.pk}
        own = api(org.officer).get(f"/api/v1/assessment/closes/{close.pk}/").json()
        assert [r["id"] for r in own["snapshot"]["department"]] == [org.dept.pk] and own["snapshot"]["township"] == []
        assert api(org.nobody).get("/api/v1/assessment/closes/").status_code == 403
        for method in ("post", "put", "patch", "delete"):
            response = getattr(api(org.assessor), method)(f"/api/v1/assessment/closes/{close.pk}/", {}, format="json")
            assert response.status_code == 405, method
        # the figures of a closed month come from its snapshot
        assert api(org.supervisor).get(f"/api/v1/assessment/figures/?{JUNE}").json()["close"] == close.pk


def test_assessment_endpoints_are_in_the_schema():
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in ("/api/v1/assessment/figures/", "/api/v1/assessment/ranking/", "/api/v1/assessment/exemptions/",
                 "/api/v1/assessment/exemptions/{id}/", "/api/v1/assessment/exemptions/{id}/decide/",
                 "/api/v1/assessment/closes/", "/api/v1/assessment/closes/{id}/"):
        assert path in paths, path
    figures = paths["/api/v1/assessment/figures/"]["get"]
    assert {"200", "400", "401", "403", "404"} <= set(figures["responses"])
    assert "Error" in str(figures["responses"]["400"])
    assert {"period", "value", "county", "body"} <= {p["name"] for p in figures["parameters"]}
    assert "409" in paths["/api/v1/assessment/exemptions/{id}/decide/"]["post"]["responses"]
