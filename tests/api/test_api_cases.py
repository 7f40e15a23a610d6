"""Cases over the API: report (JSON and multipart with photos), the whole loop through action endpoints,
filters, detail with events, residents' data, conflicts, and no way to set `state`."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from cases import services
from cases.models import Attachment, Case, CaseEvent
from tests.api.conftest import case_in_state, report


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_the_whole_loop_through_action_endpoints(org, duty, api_for):
    reporter, dispatcher, officer = api_for(org.reporter), api_for(org.dispatcher), api_for(org.officer)
    created = reporter.post("/api/v1/cases/", {
        "title": "农贸市场销售过期食品", "description": "东门摊位", "address": "城关农贸市场", "urgency": "urgent",
        "channel": "resident", "resident_name": "王晓明", "resident_phone": "13800000000",
    }, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["state"] == "reported" and created.json()["township"]["id"] == org.township.pk

    steps = [
        (dispatcher, "triage", {"note": "接手"}, "triaged"),
        (dispatcher, "assign", {"list_item": duty.assisting.pk, "assisting_departments": [org.dept_b.pk]}, "assigned"),
        (officer, "claim", {}, "assigned"),
        (officer, "resolve", {"note": "已责令下架"}, "resolved"),
        (reporter, "feedback", {"rating": "unsatisfied", "comment": "仍在销售"}, "assigned"),
        (officer, "resolve", {"note": "已没收并罚款"}, "resolved"),
        (reporter, "feedback", {"rating": "satisfied"}, "closed"),
    ]
    for client, action, data, state in steps:
        response = client.post(f"/api/v1/cases/{pk}/{action}/", data, format="json")
        assert response.status_code == 200, (action, response.content)
        assert response.json()["state"] == state, action

    detail = reporter.get(f"/api/v1/cases/{pk}/").json()
    assert [e["action"] for e in detail["events"]] == [
        "case.reported", "case.triaged", "case.assigned", "case.claimed", "case.resolved", "case.reopened",
        "case.resolved", "case.closed",
    ]
    assert detail["rating"] == "satisfied" and detail["reopen_count"] == 1
    assert detail["assisting_departments"] == [{"id": org.dept_b.pk, "name": org.dept_b.display_name}]


def test_report_with_photos_as_multipart(org, duty, api_for):
    response = api_for(org.reporter).post("/api/v1/cases/", {
        "title": "路面塌陷", "description": "青石路中段", "address": "青石路", "photos": [png("a.png"), png("b.png")],
    }, format="multipart")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.attachments.count() == 2
    attachments = api_for(org.reporter).get(f"/api/v1/cases/{case.pk}/").json()["attachments"]
    assert {a["content_type"] for a in attachments} == {"image/png"}
    download = api_for(org.dispatcher).get(attachments[0]["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    # Someone who may not see the case may not see its photos either.
    assert api_for(org.reporter_b).get(attachments[0]["url"]).status_code == 404
    other = case_in_state(org, duty, "reported")
    assert api_for(org.reporter).get(f"/api/v1/cases/{other.pk}/attachments/{attachments[0]['id']}/").status_code == 404


def test_a_file_that_is_not_an_image_is_a_field_error_and_nothing_is_written(org, duty, api_for):
    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "photo.jpg"
    response = api_for(org.reporter).post("/api/v1/cases/", {
        "title": "路面塌陷", "description": "青石路中段", "address": "青石路", "photos": [fake],
    }, format="multipart")
    assert response.status_code == 400
    assert "photos" in response.json()["errors"]
    assert not Case.objects.exists() and not Attachment.objects.exists()


def test_report_field_errors_keep_the_service_messages(org, api_for):
    response = api_for(org.reporter).post("/api/v1/cases/", {"title": " ", "description": "x", "address": "y"},
                                          format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "title" in body["errors"]


def test_reporting_for_another_township_is_403(org, api_for):
    response = api_for(org.reporter).post("/api/v1/cases/", {
        "township": org.township_b.pk, "title": "t", "description": "d", "address": "a"}, format="json")
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_people_who_cannot_report_get_403_whatever_they_send(org, api_for):
    assert api_for(org.officer).post("/api/v1/cases/", {}, format="json").status_code == 403
    assert api_for(org.officer).post("/api/v1/cases/", {"title": "t", "description": "d", "address": "a"},
                                     format="json").status_code == 403


def test_a_second_claim_is_409_and_leaves_one_claim(org, duty, api_for):
    case = case_in_state(org, duty, "assigned")
    assert api_for(org.officer).post(f"/api/v1/cases/{case.pk}/claim/").status_code == 200
    response = api_for(org.officer_a2).post(f"/api/v1/cases/{case.pk}/claim/")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict" and "签收" in response.json()["detail"]
    assert CaseEvent.objects.filter(case=case, action="case.claimed").count() == 1


def test_withdraw_after_triage_is_409(org, duty, api_for):
    case = case_in_state(org, duty, "triaged")
    response = api_for(org.reporter).post(f"/api/v1/cases/{case.pk}/withdraw/", {}, format="json")
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.state == "triaged"


def test_assign_to_a_basic_duty_is_a_field_error(org, duty, api_for):
    case = case_in_state(org, duty, "triaged")
    response = api_for(org.dispatcher).post(f"/api/v1/cases/{case.pk}/assign/", {"list_item": duty.basic.pk},
                                            format="json")
    assert response.status_code == 400
    assert "list_item" in response.json()["errors"]
    response = api_for(org.dispatcher).post(f"/api/v1/cases/{case.pk}/assign/", {"list_item": 987654},
                                            format="json")
    assert response.status_code == 400 and "list_item" in response.json()["errors"]


def test_no_endpoint_sets_state(org, duty, api_for):
    case = case_in_state(org, duty, "reported")
    client = api_for(org.dispatcher)
    assert client.patch(f"/api/v1/cases/{case.pk}/", {"state": "closed"}, format="json").status_code == 405
    assert client.put(f"/api/v1/cases/{case.pk}/", {"state": "closed"}, format="json").status_code == 405
    response = client.post(f"/api/v1/cases/{case.pk}/triage/", {"state": "closed"}, format="json")
    assert response.json()["state"] == "triaged"


def test_residents_data_only_for_the_staff_who_need_it(org, duty, api_for):
    case = case_in_state(org, duty, "assigned", channel="resident", resident_name="王晓明", resident_phone="13800000000")
    for user, sees in [(org.reporter, True), (org.dispatcher, True), (org.officer, True), (org.supervisor, False),
                       (org.dept_supervisor, False), (org.officer_b, None)]:
        response = api_for(user).get(f"/api/v1/cases/{case.pk}/")
        if sees is None:
            continue
        body = response.json()
        assert (body["resident_name"] == "王晓明") is sees, user
        assert (body["resident_phone"] == "13800000000") is sees, user
        if not sees:  # masked (cases.privacy)
            assert "13800000000" not in response.content.decode()
            assert (body["resident_name"], body["resident_phone"]) == ("王**", "138****0000")


def test_detail_lists_the_actions_the_user_may_take(org, duty, api_for):
    case = case_in_state(org, duty, "assigned")
    assert "claim" in api_for(org.officer).get(f"/api/v1/cases/{case.pk}/").json()["actions"]
    assert "claim" not in api_for(org.dispatcher).get(f"/api/v1/cases/{case.pk}/").json()["actions"]
    assert "urge" in api_for(org.supervisor).get(f"/api/v1/cases/{case.pk}/").json()["actions"]
    claimed = case_in_state(org, duty, "claimed")
    assert "extend" in api_for(org.officer).get(f"/api/v1/cases/{claimed.pk}/").json()["actions"]


def test_request_and_answer_info_pause_and_resume_the_clock(org, duty, api_for):
    case = case_in_state(org, duty, "triaged")
    response = api_for(org.dispatcher).post(f"/api/v1/cases/{case.pk}/request-info/", {"question": "请补充照片"},
                                            format="json")
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.paused_at is not None
    response = api_for(org.reporter).post(f"/api/v1/cases/{case.pk}/answer-info/",
                                          {"answer": "见附件", "photos": [png()]}, format="multipart")
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.paused_at is None and case.attachments.count() == 1


def test_extension_request_and_decision(org, duty, api_for):
    case = case_in_state(org, duty, "claimed")
    wanted = (case.due_at + datetime.timedelta(days=3)).isoformat()
    response = api_for(org.officer).post(f"/api/v1/cases/{case.pk}/extend/",
                                         {"reason": "需要检测报告", "requested_due_at": wanted}, format="json")
    assert response.status_code == 200, response.content
    extension_id = response.json()["id"]
    assert response.json()["status"] == "pending"
    again = api_for(org.officer).post(f"/api/v1/cases/{case.pk}/extend/",
                                      {"reason": "再申请", "requested_due_at": wanted}, format="json")
    assert again.status_code == 409
    assert api_for(org.officer).post(f"/api/v1/cases/{case.pk}/extension-decision/",
                                     {"extension": extension_id, "approve": True}, format="json").status_code == 403
    response = api_for(org.dispatcher).post(f"/api/v1/cases/{case.pk}/extension-decision/",
                                            {"extension": extension_id, "approve": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    case.refresh_from_db()
    assert case.due_at == datetime.datetime.fromisoformat(wanted)
    missing = api_for(org.dispatcher).post(f"/api/v1/cases/{case.pk}/extension-decision/",
                                           {"extension": 999999, "approve": False, "note": "x"}, format="json")
    assert missing.status_code == 400 and "extension" in missing.json()["errors"]


def test_supervisor_urges_an_open_case(org, duty, api_for):
    case = case_in_state(org, duty, "assigned")
    response = api_for(org.supervisor).post(f"/api/v1/cases/{case.pk}/urge/", {"message": "请今天内签收"},
                                            format="json")
    assert response.status_code == 200, response.content
    assert CaseEvent.objects.filter(case=case, action__contains="urge").exists()
    assert api_for(org.officer).post(f"/api/v1/cases/{case.pk}/urge/", {"message": "x"},
                                     format="json").status_code == 403


class TestFilters:
    @pytest.fixture
    def cases(self, org, duty):
        reported = report(org, title="井盖缺失", description="青石路", address="青石路")
        assigned = case_in_state(org, duty, "assigned")
        other = services.case_report(actor=org.reporter_b, township=org.township_b, title="路灯不亮",
                                     description="镇政府门口", address="青石镇")
        Case.objects.filter(pk=reported.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
        Case.objects.filter(pk=assigned.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
        return reported, assigned, other

    def ids(self, client, query):
        response = client.get(f"/api/v1/cases/{query}")
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["results"]}

    def test_filters(self, org, cases, api_for):
        reported, assigned, other = cases
        client = api_for(org.supervisor)  # sees the whole county
        assert self.ids(client, "") == {reported.pk, assigned.pk, other.pk}
        assert self.ids(client, "?state=reported") == {reported.pk, other.pk}
        assert self.ids(client, "?state=reported&state=assigned") == {reported.pk, assigned.pk, other.pk}
        assert self.ids(client, f"?township={org.township_b.pk}") == {other.pk}
        assert self.ids(client, f"?department={org.dept.pk}") == {assigned.pk}
        assert self.ids(client, "?overdue=true") == {assigned.pk}
        assert self.ids(client, "?overdue=false") == {reported.pk, other.pk}
        day = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
        assert self.ids(client, f"?created_before={day}") == {reported.pk}
        assert self.ids(client, f"?created_after={day}") == {assigned.pk, other.pk}
        assert self.ids(client, "?q=井盖") == {reported.pk}
        assert self.ids(client, f"?q={other.number}") == {other.pk}
        assert self.ids(api_for(org.reporter_b), "") == {other.pk}
        overdue_row = client.get("/api/v1/cases/?state=assigned").json()["results"][0]
        assert overdue_row["overdue"] is True

    def test_bad_filter_values_are_400(self, org, cases, api_for):
        response = api_for(org.supervisor).get("/api/v1/cases/?state=flying&created_after=notadate")
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"state", "created_after"}
