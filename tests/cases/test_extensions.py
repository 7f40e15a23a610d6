"""Deadline extensions (延期申请) and urging (催办): cases.extensions services and their views."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import escalation
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.extensions import case_extension_decide, case_extension_request, case_urge
from cases.models import Case, CaseEvent, ExtensionRequest
from governance.calendar import sync_calendar
from governance.models import Notification

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 10, tzinfo=SH)


@pytest.fixture(autouse=True)
def official_calendar(db):
    sync_calendar(years=[2026])


@pytest.fixture
def claimed(flow, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    return flow.claimed()


def request_extension(org, case, days=2, reason="需等待检测机构出具油烟检测报告。"):
    return case_extension_request(case=case, actor=org.officer, reason=reason,
                                  requested_due_at=case.due_at + timedelta(days=days))


def test_an_approved_extension_moves_the_deadline_and_is_recorded(org, claimed):
    extension = request_extension(org, claimed)
    assert extension.status == "pending" and extension.stage == "resolution"
    assert "p_dept_supervisor" in Notification.objects.filter(kind="case.extension_requested").values_list(
        "recipient__username", flat=True)
    case_extension_decide(extension=extension, actor=org.dispatcher, approve=True, note="同意。")
    case = Case.objects.get(pk=claimed.pk)
    assert case.due_at == case.resolution_due_at == extension.requested_due_at
    approved = CaseEvent.objects.get(case=case, action="case.extension_approved")
    assert datetime.fromisoformat(approved.data["old_due_at"]) == claimed.due_at
    assert approved.actor == org.dispatcher
    assert Notification.objects.filter(kind="case.extension_decided", recipient=org.officer).exists()


def test_a_rejected_extension_leaves_the_deadline_and_needs_a_reason(org, claimed):
    extension = request_extension(org, claimed)
    with pytest.raises(ValidationError) as error:
        case_extension_decide(extension=extension, actor=org.dept_supervisor, approve=False, note="")
    assert "note" in error.value.message_dict
    case_extension_decide(extension=extension, actor=org.dept_supervisor, approve=False, note="检测可同步进行，不予延期。")
    assert Case.objects.get(pk=claimed.pk).due_at == claimed.due_at
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "rejected"


def test_an_extension_cannot_be_requested_after_the_deadline(org, claimed, time_machine):
    time_machine.move_to(claimed.due_at + timedelta(minutes=1), tick=False)
    with pytest.raises(CaseConflict):
        request_extension(org, claimed)
    assert not ExtensionRequest.objects.exists()


def test_the_requested_time_must_be_later_than_the_deadline(org, claimed):
    with pytest.raises(ValidationError) as error:
        request_extension(org, claimed, days=-1)
    assert "requested_due_at" in error.value.message_dict


def test_only_one_pending_extension_per_case(org, claimed):
    request_extension(org, claimed)
    with pytest.raises(CaseConflict):
        request_extension(org, claimed, days=3)


def test_only_the_lead_departments_officers_may_request(org, claimed):
    for user in (org.officer_b, org.reporter, org.dispatcher, org.dept_supervisor):
        with pytest.raises(CasePermissionDenied):
            case_extension_request(case=claimed, actor=user, reason="理由", requested_due_at=claimed.due_at + timedelta(days=1))


def test_only_dispatchers_and_supervisors_may_decide(org, claimed):
    extension = request_extension(org, claimed)
    for user in (org.officer, org.officer_a2, org.officer_b, org.reporter, org.nobody):
        with pytest.raises(CasePermissionDenied):
            case_extension_decide(extension=extension, actor=user, approve=True)
    case_extension_decide(extension=extension, actor=org.supervisor, approve=True)
    with pytest.raises(CaseConflict):
        case_extension_decide(extension=extension, actor=org.dispatcher, approve=True)


def test_an_extension_for_a_stage_already_left_cannot_be_approved(org, flow, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    from cases import services

    case = flow.assigned()
    extension = request_extension(org, case)
    services.case_claim(case=case, actor=org.officer)  # the response stage is over
    with pytest.raises(CaseConflict):
        case_extension_decide(extension=extension, actor=org.dispatcher, approve=True)


def test_approval_after_escalation_resets_the_escalation_for_the_new_deadline(org, claimed, time_machine):
    extension = request_extension(org, claimed)
    time_machine.move_to(claimed.due_at + timedelta(minutes=5), tick=False)
    escalation.sweep()
    assert Case.objects.get(pk=claimed.pk).escalation_level == 1
    case_extension_decide(extension=extension, actor=org.dispatcher, approve=True)
    case = Case.objects.get(pk=claimed.pk)
    assert case.escalation_level == 0 and case.next_escalation_at is None
    assert escalation.sweep()["escalated"] == 0
    time_machine.move_to(extension.requested_due_at + timedelta(minutes=1), tick=False)
    assert escalation.sweep()["escalated"] == 1


def test_a_supervisor_urges_the_officer_who_must_act(org, claimed):
    case_urge(case=claimed, actor=org.dept_supervisor, message="请本周内办结。")
    event = CaseEvent.objects.get(case=claimed, action="case.urged")
    assert event.actor == org.dept_supervisor and event.reason == "请本周内办结。"
    assert list(Notification.objects.filter(kind="case.urged").values_list("recipient__username", flat=True)) == [
        "p_officer"]


def test_only_supervisors_may_urge(org, claimed):
    for user in (org.officer, org.dispatcher, org.reporter, org.officer_b):
        with pytest.raises(CasePermissionDenied):
            case_urge(case=claimed, actor=user, message="快办")
    with pytest.raises(ValidationError):
        case_urge(case=claimed, actor=org.supervisor, message="  ")


# --- Views -------------------------------------------------------------------------------------


def test_officer_requests_an_extension_through_the_form(org, claimed, client_for):
    client = client_for(org.officer)
    url = reverse("cases:extension_request", args=[claimed.pk])
    page = client.get(url)
    assert page.status_code == 200 and "申请延期" in page.content.decode()
    new_due = (claimed.due_at + timedelta(days=2)).astimezone(SH).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"requested_due_at": new_due, "reason": "等待检测报告"})
    assert response.status_code == 302 and response.url == reverse("cases:detail", args=[claimed.pk])
    assert ExtensionRequest.objects.filter(case=claimed, status="pending").count() == 1


def test_invalid_extension_input_is_shown_in_chinese_and_kept(org, claimed, client_for):
    url = reverse("cases:extension_request", args=[claimed.pk])
    earlier = (claimed.due_at - timedelta(hours=1)).astimezone(SH).strftime("%Y-%m-%dT%H:%M")
    response = client_for(org.officer).post(url, {"requested_due_at": earlier, "reason": "我的理由"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "必须晚于当前时限" in text and "我的理由" in text
    assert not ExtensionRequest.objects.exists()


def test_extension_views_refuse_other_people(org, claimed, client_for):
    url = reverse("cases:extension_request", args=[claimed.pk])
    assert client_for(org.officer_b).get(url).status_code in (403, 404)
    assert client_for(org.dispatcher).post(url, {}).status_code == 403
    assert client_for(None).get(url).status_code == 302  # to the login page
    assert client_for(org.officer).get(reverse("cases:urge", args=[claimed.pk])).status_code == 403


def test_decision_form_posts_with_csrf_and_rejects_without_a_note(org, claimed, client_for):
    from django.test import Client

    extension = request_extension(org, claimed)
    url = reverse("cases:extension_decide", args=[extension.pk])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(org.dispatcher)
    assert strict.post(url, {"decision": "approve"}).status_code == 403, "CSRF is enforced"
    client = client_for(org.dispatcher)
    response = client.post(url, {"decision": "reject", "note": ""})
    assert response.status_code == 200 and "驳回延期申请时请填写理由" in response.content.decode()
    response = client.post(url, {"decision": "approve", "note": "同意"})
    assert response.status_code == 302
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "approved"


def test_supervisor_urges_through_the_form(org, claimed, client_for):
    url = reverse("cases:urge", args=[claimed.pk])
    client = client_for(org.supervisor)
    assert client.get(url).status_code == 200
    assert client.post(url, {"message": "请加快办理"}).status_code == 302
    assert CaseEvent.objects.filter(case=claimed, action="case.urged", actor=org.supervisor).exists()


def test_case_page_shows_time_left_escalation_level_and_the_extension_panel(org, claimed, client_for, time_machine):
    request_extension(org, claimed)
    time_machine.move_to(claimed.due_at + timedelta(hours=3), tick=False)
    escalation.sweep()
    text = client_for(org.dispatcher).get(reverse("cases:detail", args=[claimed.pk])).content.decode()
    assert "已超时 3小时0分" in text
    assert "超时升级·第1级" in text and "县市场监管局" in text
    assert "提交审批" in text, "the dispatcher can decide the pending request on the case page"
    officer_page = client_for(org.officer).get(reverse("cases:detail", args=[claimed.pk])).content.decode()
    assert "待审批" in officer_page and "提交审批" not in officer_page


def test_an_extension_approved_while_the_clock_is_paused_gets_only_the_later_pause_added(org, claimed, time_machine):
    from cases.services import case_answer_info, case_request_info

    extension = request_extension(org, claimed)
    time_machine.move_to(MONDAY + timedelta(hours=1), tick=False)
    case_request_info(case=Case.objects.get(pk=claimed.pk), actor=org.officer, question="请补充摊位照片。")
    time_machine.move_to(MONDAY + timedelta(hours=4), tick=False)
    case_extension_decide(extension=extension, actor=org.dispatcher, approve=True, note="同意。")
    time_machine.move_to(MONDAY + timedelta(hours=6), tick=False)
    case_answer_info(case=Case.objects.get(pk=claimed.pk), actor=org.reporter, answer="照片已补充。")
    case = Case.objects.get(pk=claimed.pk)
    # The approved deadline is absolute; only the two hours paused after the approval extend it.
    assert case.paused_at is None
    assert case.due_at == extension.requested_due_at + timedelta(hours=2)
