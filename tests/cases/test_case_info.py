"""case_request_info / case_answer_info: the case keeps its place; its clock pauses and resumes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.models import CaseState
from governance.models import Notification

pytestmark = pytest.mark.django_db


# Queue order and "overdue" count working time from now: an ordinary Thursday in March, not the
# day the suite happens to run (a holiday week makes a five-day-old report not yet overdue).
THURSDAY = datetime(2026, 3, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def an_ordinary_thursday(time_machine):
    time_machine.move_to(THURSDAY, tick=False)


def test_request_pauses_the_clock_and_the_answer_adds_the_paused_time_back(org, flow):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        case = flow.claimed()
        due = case.due_at
        case = services.case_request_info(case=case, actor=org.officer, question="请提供夜市摊位的具体编号")
    assert case.state == CaseState.ASSIGNED and case.paused_at is not None and case.info_pending
    assert Notification.objects.filter(recipient=org.reporter, kind="case.info_requested").exists()
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        case = services.case_answer_info(case=case, actor=org.reporter, answer="A区12至15号")
    assert case.paused_at is None and not case.info_pending
    assert case.due_at == due + timedelta(hours=5)
    assert case.state == CaseState.ASSIGNED and case.claimed_by == org.officer
    assert Notification.objects.filter(recipient=org.officer, kind="case.info_answered").exists()
    assert [e.action for e in case.events.all()][-2:] == ["case.info_requested", "case.info_answered"]


def test_dispatcher_may_ask_a_reported_case_and_it_stays_reported(org, flow):
    case = services.case_request_info(case=flow.reported(), actor=org.dispatcher, question="具体位置？")
    assert case.state == CaseState.REPORTED and case.info_requested_by == org.dispatcher


def test_a_second_request_while_one_is_pending_is_a_conflict(org, flow):
    case = services.case_request_info(case=flow.reported(), actor=org.dispatcher, question="位置？")
    with pytest.raises(CaseConflict):
        services.case_request_info(case=case, actor=org.dispatcher, question="再问")


def test_answer_without_a_pending_request_is_a_conflict(org, flow):
    with pytest.raises(CaseConflict):
        services.case_answer_info(case=flow.reported(), actor=org.reporter, answer="x")


@pytest.mark.parametrize("persona", ["reporter", "officer_b", "supervisor", "nobody"])
def test_only_dispatcher_or_lead_officer_may_ask(org, flow, persona):
    with pytest.raises(CasePermissionDenied):
        services.case_request_info(case=flow.assigned(), actor=getattr(org, persona), question="?")


def test_only_the_township_may_answer_and_an_empty_answer_is_refused(org, flow):
    case = services.case_request_info(case=flow.reported(), actor=org.dispatcher, question="位置？")
    with pytest.raises(CasePermissionDenied):
        services.case_answer_info(case=case, actor=org.reporter_b, answer="x")
    with pytest.raises(ValidationError):
        services.case_answer_info(case=case, actor=org.reporter, answer="")


def test_comment_by_a_viewer_is_recorded_and_outsiders_are_refused(org, flow):
    case = flow.assigned()
    services.case_comment(case=case, actor=org.officer, text="已电话联系摊主")
    assert case.events.last().action == "case.commented" and case.events.last().actor_unit == org.dept
    with pytest.raises(CasePermissionDenied):
        services.case_comment(case=case, actor=org.reporter_b, text="x")
