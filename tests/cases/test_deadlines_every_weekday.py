"""The deadline rules hold whatever the day: every weekday of a week with a public holiday.

Each test runs frozen at 10:00 and at 16:30 on each day of Monday 28 September to Sunday 4 October
2026 (National Day: 1–7 October are holidays). The oracle is independent of governance.calendar: it
counts office minutes (9:00–17:00) on the days the `chinese_calendar` package calls working days.
"""

import functools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import escalation
from cases.deadlines import HOURS, stage_limit
from cases.extensions import case_extension_decide, case_extension_request
from cases.models import Stage
from governance.calendar import sync_calendar

SH = ZoneInfo("Asia/Shanghai")
WEEK = [date(2026, 9, 28) + timedelta(days=i) for i in range(7)]
MOMENTS = [datetime(d.year, d.month, d.day, h, m, tzinfo=SH) for d in WEEK for h, m in ((10, 0), (16, 30))]
IDS = [f"{m:%a-%m%d-%H%M}" for m in MOMENTS]


@pytest.fixture(autouse=True)
def official_calendar(db):
    sync_calendar(years=[2026])


@pytest.fixture(params=MOMENTS, ids=IDS)
def moment(request, time_machine):
    time_machine.move_to(request.param, tick=False)
    return request.param


workday = functools.cache(chinese_calendar.is_workday)


def office_minutes(start, end):
    """Minutes of office time between two aware datetimes, by the chinese_calendar package."""
    minute = timezone.localtime(start, SH).replace(second=0, microsecond=0)
    end = timezone.localtime(end, SH)
    count = 0
    while minute < end:
        if 9 <= minute.hour < 17 and workday(minute.date()):
            count += 1
        minute += timedelta(minutes=1)
    return count


def assert_due_after_office_time(case, stage, start):
    amount, unit, calendar_only = stage_limit(case, stage)
    hours = amount if unit == HOURS else amount * 8
    if calendar_only:
        assert case.due_at == start + timedelta(hours=hours)
        return
    assert office_minutes(start, case.due_at) == hours * 60, (stage, start, case.due_at)
    last = timezone.localtime(case.due_at - timedelta(minutes=1), SH)
    assert workday(last.date()) and 9 <= last.hour < 17, "the deadline falls in office time"


def test_every_stage_deadline_counts_office_time_on_the_official_calendar(org, flow, moment):
    reported = flow.reported()
    assert_due_after_office_time(reported, Stage.TRIAGE, moment)
    assigned = flow.assigned()
    assert_due_after_office_time(assigned, Stage.RESPONSE, moment)
    claimed = flow.claimed()
    assert claimed.stage == Stage.RESOLUTION
    assert_due_after_office_time(claimed, Stage.RESOLUTION, moment)
    resolved = flow.resolved()
    assert resolved.stage == Stage.FEEDBACK
    assert_due_after_office_time(resolved, Stage.FEEDBACK, moment)
    urgent = flow.reported(urgency="urgent")
    assert_due_after_office_time(urgent, Stage.TRIAGE, moment)


def test_an_extension_past_the_deadline_is_granted_and_one_before_it_refused(org, flow, moment):
    """The case page's journey (test_deadline_browser.py) on every day: the date asked for is
    computed from the case's own deadline, never from today."""
    case = flow.claimed()
    with pytest.raises(ValidationError):
        case_extension_request(case=case, actor=org.officer, reason="等待检测报告",
                               requested_due_at=case.due_at - timedelta(days=1))
    wanted = case.due_at + timedelta(days=3)
    extension = case_extension_request(case=case, actor=org.officer, reason="等待检测报告", requested_due_at=wanted)
    case_extension_decide(extension=extension, actor=org.dispatcher, approve=True, note="同意")
    case.refresh_from_db()
    assert case.due_at == wanted


def test_the_sweep_warns_then_escalates_exactly_on_time(org, flow, moment, time_machine):
    case = flow.assigned()
    time_machine.move_to(case.warn_at - timedelta(minutes=1), tick=False)
    assert escalation.sweep()["warned"] == 0
    time_machine.move_to(case.warn_at + timedelta(minutes=1), tick=False)
    assert escalation.sweep()["warned"] == 1
    time_machine.move_to(case.due_at - timedelta(minutes=1), tick=False)
    assert escalation.sweep()["escalated"] == 0
    time_machine.move_to(case.due_at + timedelta(minutes=1), tick=False)
    result = escalation.sweep()
    assert result["escalated"] == 1 and result["by_level"] == {"1": 1}
