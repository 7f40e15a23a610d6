"""Per-stage deadlines (cases.deadlines) on the Chinese working-day calendar, set by the real transitions."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cases import deadlines, services
from cases.models import Stage
from governance.calendar import sync_calendar

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH)


@pytest.fixture(autouse=True)
def official_calendar(db):
    sync_calendar(years=[2025, 2026])


def test_triage_deadline_counts_office_hours_across_the_spring_festival(flow, time_machine):
    time_machine.move_to(at(2026, 2, 13, 16), tick=False)
    case = flow.reported()
    # 24 working hours = 3 office days: Fri 16-17 (1h), Sat 02-14 worked (8h), Tue 02-24 (8h), Wed 02-25 9-16 (7h).
    assert case.stage == Stage.TRIAGE
    assert case.due_at == case.triage_due_at == at(2026, 2, 25, 16)
    assert case.warn_at == at(2026, 2, 13, 16) + (at(2026, 2, 25, 16) - at(2026, 2, 13, 16)) * 0.8


def test_urgent_triage_is_counted_in_calendar_hours(flow, time_machine):
    time_machine.move_to(at(2026, 2, 13, 16), tick=False)
    case = flow.reported(urgency="urgent")
    assert case.due_at == at(2026, 2, 13, 18)


def test_calendar_hours_when_working_time_is_off(flow, time_machine, settings):
    settings.CASE_DEADLINES = {**settings.CASE_DEADLINES, "working_time": False}
    time_machine.move_to(at(2026, 2, 13, 16), tick=False)
    assert flow.reported().due_at == at(2026, 2, 14, 16)


def test_list_item_response_hours_override_the_default(flow, lists, time_machine):
    assert lists.assisting.response_hours == 12
    time_machine.move_to(at(2026, 3, 2, 10), tick=False)  # a Monday
    case = flow.assigned()
    assert case.stage == Stage.RESPONSE
    assert case.response_due_at == case.due_at == at(2026, 3, 3, 14)  # 7h Monday + 5h Tuesday


def test_default_response_hours_without_an_item_limit(org, flow, lists, time_machine):
    time_machine.move_to(at(2026, 3, 2, 10), tick=False)
    case = services.case_assign(case=flow.reported(), actor=org.dispatcher, list_item=lists.negative)
    assert case.due_at == at(2026, 3, 5, 10)  # 24 working hours = 3 office days


def test_urgency_shortens_the_response_deadline_below_the_item_limit(flow, time_machine):
    time_machine.move_to(at(2026, 3, 2, 10), tick=False)
    assert flow.assigned(urgency="urgent").due_at == at(2026, 3, 2, 12)


def test_claim_starts_the_resolution_clock_with_the_item_working_days(org, flow, time_machine):
    time_machine.move_to(at(2026, 9, 29, 9, 30), tick=False)
    case = flow.assigned()
    time_machine.move_to(at(2026, 9, 29, 10), tick=False)
    case = services.case_claim(case=case, actor=org.officer)
    # resolution_days=3 from Tue 09-29: 09-30, then the National Day week, 10-08, 10-09.
    assert case.stage == Stage.RESOLUTION
    assert case.resolution_due_at == case.due_at == at(2026, 10, 9, 10)
    assert case.response_due_at is not None, "the finished stage keeps its own deadline for assessment"


def test_default_resolution_days_apply_without_an_item_limit(org, flow, lists, time_machine):
    time_machine.move_to(at(2026, 3, 2, 10), tick=False)
    case = services.case_assign(case=flow.reported(), actor=org.dispatcher, list_item=lists.negative)
    case = services.case_claim(case=case, actor=org.officer_b)
    assert case.due_at == at(2026, 3, 9, 10)  # 5 working days


def test_feedback_deadline_belongs_to_the_township(org, flow, time_machine):
    time_machine.move_to(at(2026, 2, 12, 10), tick=False)
    case = flow.resolved()
    assert case.stage == Stage.FEEDBACK
    # 3 working days from Thu 02-12: Fri 02-13, Sat 02-14 (worked), Tue 02-24.
    assert case.feedback_due_at == case.due_at == at(2026, 2, 24, 10)


def test_information_request_pauses_the_clock_and_adds_the_paused_time_back(org, flow, time_machine):
    time_machine.move_to(at(2026, 3, 2, 10), tick=False)
    case = flow.assigned()
    due = case.due_at
    time_machine.move_to(at(2026, 3, 2, 11), tick=False)
    case = services.case_request_info(case=case, actor=org.officer, question="请补充烧烤摊的具体位置和照片。")
    left_when_paused = deadlines.time_left(case, at(2026, 3, 2, 11))
    assert case.paused_at == at(2026, 3, 2, 11)
    assert deadlines.time_left(case, at(2026, 3, 4, 9)) == left_when_paused, "the clock stands still"
    time_machine.move_to(at(2026, 3, 4, 11), tick=False)
    case = services.case_answer_info(case=case, actor=org.reporter, answer="解放路88号门前，共三家。")
    assert case.paused_at is None
    assert case.due_at == due + timedelta(days=2)
    assert deadlines.time_left(case, at(2026, 3, 4, 11)) == left_when_paused


def test_closing_a_case_stops_its_clock(flow, time_machine):
    time_machine.move_to(at(2026, 3, 2, 10), tick=False)
    case = flow.closed()
    assert case.due_at is None and case.warn_at is None and case.next_escalation_at is None
    assert deadlines.time_left(case, at(2026, 3, 2, 10)) is None
