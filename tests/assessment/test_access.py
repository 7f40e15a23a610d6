"""Who sees what (issue 11): per persona, the dashboard, the drill-down, the exports and the public summary."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment import services
from cases import services as case_services

pytestmark = pytest.mark.django_db
FULL = {"supervisor", "assessor", "city_supervisor"}
OWN = {"officer": "dept", "officer_a2": "dept", "dept_supervisor": "dept", "officer_b": "dept_b",
       "reporter": "township", "township_supervisor": "township", "reporter_b": "township_b"}


@pytest.fixture
def month(org, lists, at, report_case):
    with at("2026-06-08 09:00"):
        a = report_case()
        a = case_services.case_assign(case=a, actor=org.dispatcher, list_item=lists.assisting)
        b = report_case("青石镇的事", township=org.township_b, actor=org.reporter_b)
        b = case_services.case_assign(case=b, actor=org.dispatcher, list_item=lists.negative)
    return a, b


def test_dashboard_per_persona(org, month, client_for, at):
    personas = {**org.personas(), "assessor": org.assessor}
    with at("2026-07-02 10:00"):
        for name, user in personas.items():
            response = client_for(user).get("/assessment/?period=month&value=2026-06")
            if user is None:
                assert response.status_code == 302, name
                continue
            if name in FULL:
                assert response.status_code == 200, name
                body = response.content.decode()
                for unit in (org.dept, org.dept_b, org.township, org.township_b):
                    assert unit.display_name in body, (name, unit)
            elif name in OWN:
                assert response.status_code == 200, name
                rows = response.context["data"]["department"] + response.context["data"]["township"]
                assert [r["id"] for r in rows] == [getattr(org, OWN[name]).pk], name
            else:
                assert response.status_code == 403, name


def test_drilldown_goes_through_the_case_access_check(org, month, client_for, at):
    a, b = month
    url = f"/assessment/cases/?period=month&value=2026-06&body={org.dept.pk}&metric=received"
    with at("2026-07-02 10:00"):
        response = client_for(org.officer).get(url)
        assert response.status_code == 200 and a.number in response.content.decode()
        assert client_for(org.officer_b).get(url).status_code == 404  # not its body
        response = client_for(org.supervisor).get(
            f"/assessment/cases/?period=month&value=2026-06&body={org.dept_b.pk}&metric=received")
        assert b.number in response.content.decode() and a.number not in response.content.decode()
        assert client_for(org.supervisor).get(url.replace("received", "nonsense")).status_code == 404
        item_url = f"/assessment/cases/?period=month&value=2026-06&item={a.list_item_id}&metric=received"
        assert a.number in client_for(org.supervisor).get(item_url).content.decode()
        assert client_for(org.officer).get(item_url).status_code == 404  # items span departments: county only


def test_dashboard_query_count_does_not_grow_with_bodies(org, month, client_for, at):
    from governance.models import Level, UnitKind
    from governance.services import unit_create

    client = client_for(org.assessor)
    with at("2026-07-02 10:00"):
        from django.core.cache import cache

        client.get("/assessment/?period=month&value=2026-06")
        cache.clear()  # measure the computation, not the cached report
        with CaptureQueriesContext(connection) as few:
            assert client.get("/assessment/?period=month&value=2026-06").status_code == 200
        for i in range(6):
            unit_create(code=f"X-D{i}", name=f"部门{i}", level=Level.COUNTY, kind=UnitKind.DEPARTMENT, parent=org.county)
            unit_create(code=f"X-T{i}", name=f"乡镇{i}", level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT,
                        parent=org.county)
        cache.clear()
        with CaptureQueriesContext(connection) as many:
            assert client.get("/assessment/?period=month&value=2026-06").status_code == 200
    assert len(many) == len(few)


def test_public_summary_shows_closed_months_only(org, month, client_for, at):
    client = client_for(None)
    with at("2026-07-02 10:00"):
        response = client.get("/assessment/public/")
        assert response.status_code == 200 and "还没有已确认的月份" in response.content.decode()
        services.month_close(actor=org.assessor, county=org.county, month=date(2026, 6, 1))
        body = client.get("/assessment/public/").content.decode()
    assert org.dept.display_name in body and "2026-06" in body
    assert month[0].number not in body  # no case detail in public


def test_assessor_home_tiles_show_the_review_queue(org, month, client_for, at, media_root):
    with at("2026-07-02 10:00"):
        services.exemption_request(actor=org.officer, case=month[0], body=org.dept, reason="force_majeure", text="暴雨")
        home = client_for(org.assessor).get("/")
        tile = next(t for t in home.context["tiles"] if t["name"] == "assessment:exemptions")
        assert tile["counts"][0]["count"] == 1
        names = [t["name"] for t in client_for(org.supervisor).get("/").context["tiles"]]
        assert "assessment:dashboard" in names and "assessment:exemptions" not in names


def test_only_assessors_close_months_and_change_weights(org, month, client_for, at):
    with at("2026-07-02 10:00"):
        assert client_for(org.supervisor).post("/assessment/close/", {"month": "2026-06"}).status_code == 403
        assert client_for(org.officer).get("/assessment/formula/").status_code == 403
        response = client_for(org.assessor).post("/assessment/close/", {"month": "2026-06"})
        assert response.status_code == 302
        page = client_for(org.assessor).get("/assessment/?period=month&value=2026-06")
        assert page.context["close"] is not None
        response = client_for(org.assessor).post("/assessment/formula/", {"department.claim_on_time": "abc"})
        assert response.status_code == 400 and "权重必须是" in response.content.decode()


def test_exemption_request_rules(org, month, at, media_root):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessment.models import AssessmentEvent, ExemptionRequest

    case = month[0]
    with at("2026-07-02 10:00"):
        fake = SimpleUploadedFile("证明.png", b"not an image", content_type="image/png")
        with pytest.raises(ValidationError) as bad:
            services.exemption_request(actor=org.officer, case=case, body=org.dept, reason="other", text="说明",
                                       files=[fake])
        assert "files" in bad.value.message_dict and not ExemptionRequest.objects.exists()
        with pytest.raises(services.AssessmentDenied):  # not its body
            services.exemption_request(actor=org.officer_b, case=case, body=org.dept, reason="other", text="说明")
        with pytest.raises(ValidationError) as not_ours:  # dept_b has nothing to do with this case
            services.exemption_request(actor=org.officer_b, case=case, body=org.dept_b, reason="other", text="说明")
        assert "body" in not_ours.value.message_dict
        first = services.exemption_request(actor=org.officer, case=case, body=org.dept, reason="other", text="说明")
        with pytest.raises(ValidationError) as twice:
            services.exemption_request(actor=org.officer_a2, case=case, body=org.dept, reason="other", text="再次")
        assert "不能重复申请" in twice.value.message_dict["case"][0]
        with pytest.raises(services.AssessmentDenied):
            services.exemption_decide(actor=org.officer, request=first, approve=True, note="自己批")
        services.exemption_decide(actor=org.supervisor, request=first, approve=False, note="理由不足")
        with pytest.raises(services.AssessmentConflict):
            services.exemption_decide(actor=org.assessor, request=first, approve=True, note="改批")
    assert list(AssessmentEvent.objects.values_list("action", flat=True)) == ["exemption.requested",
                                                                             "exemption.rejected"]
    assert first.due_at > first.created_at
