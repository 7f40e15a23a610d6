"""Deadline arithmetic for cases (时限).

These functions only set fields on a Case; transitions call them, services save the result.
Contract used by the cases transitions, the extension services and the deadline sweep:
    enter_stage(case, stage, now)  start a stage's clock: stage, stage_started_at, due_at, the
                                   stage's own *_due_at column, warn_at; clears warned_at and the
                                   escalation of the previous stage
    stop_clock(case)               no running deadline any more (closed, withdrawn, returned)
    pause(case, now) / resume(case, now)
                                   information requested from the reporter: the clock stops and
                                   the paused time is added back on resume
    move_deadline(case, due, now)  an approved extension (延期) moves the running stage's deadline
    time_left(case, now)           timedelta to due_at (negative when overdue), None without a clock

Limits (settings.CASE_DEADLINES, a matched list item overrides):
    stage       whose clock        normal limit                                 urgent (紧急)
    triage      dispatch centre    triage_hours                                 urgent_triage_hours
    response    lead department    item.response_hours or response_hours        min(that, urgent_response_hours)
    resolution  lead department    item.resolution_days or resolution_working_days   urgent_resolution_hours
    feedback    township           feedback_working_days                        (same)
With working_time on (the default) hours are office hours and days are working days on the
Chinese official calendar (governance.calendar: holidays and 调休补班). With it off, hours are
calendar hours and a "day" is 24 hours. Urgent limits are always calendar hours: an urgent matter
(a gas smell, a collapsed wall) does not wait for Monday.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from cases.choices import OPEN_STATES, Stage, Urgency
from governance.calendar import WorkCalendar, warning_point

STAGE_DUE_FIELD = {
    Stage.TRIAGE: "triage_due_at",
    Stage.RESPONSE: "response_due_at",
    Stage.RESOLUTION: "resolution_due_at",
    Stage.FEEDBACK: "feedback_due_at",
}

# Fields enter_stage/stop_clock/pause/resume/move_deadline may change: services pass them to
# save(update_fields=...) next to their own.
DEADLINE_FIELDS = [
    "stage", "stage_started_at", "due_at", *STAGE_DUE_FIELD.values(), "paused_at", "warn_at", "warned_at",
    "escalation_level", "escalated_at", "next_escalation_at",
]

HOURS, WORKING_DAYS = "hours", "working_days"


def stage_limit(case, stage):
    """(amount, unit, calendar_only) of `stage` for this case: unit is HOURS or WORKING_DAYS."""
    limits = settings.CASE_DEADLINES
    item = case.list_item if case.list_item_id else None
    urgent = case.urgency == Urgency.URGENT
    if stage == Stage.TRIAGE:
        if urgent:
            return limits["urgent_triage_hours"], HOURS, True
        return limits["triage_hours"], HOURS, False
    if stage == Stage.RESPONSE:
        hours = (item.response_hours if item is not None else None) or limits["response_hours"]
        if urgent:
            return min(hours, limits["urgent_response_hours"]), HOURS, True
        return hours, HOURS, False
    if stage == Stage.RESOLUTION:
        if urgent:
            return limits["urgent_resolution_hours"], HOURS, True
        days = (item.resolution_days if item is not None else None) or limits["resolution_working_days"]
        return days, WORKING_DAYS, False
    if stage == Stage.FEEDBACK:
        return limits["feedback_working_days"], WORKING_DAYS, False
    raise ValueError(f"unknown stage {stage!r}")


def stage_due(case, stage, start):
    """The deadline of `stage` for this case if its clock starts at `start`."""
    amount, unit, calendar_only = stage_limit(case, stage)
    if calendar_only or not settings.CASE_DEADLINES["working_time"]:
        return start + (timedelta(hours=amount) if unit == HOURS else timedelta(days=amount))
    calendar = WorkCalendar.load(timezone.localdate(start))
    if unit == HOURS:
        return calendar.add_working_hours(start, amount)
    return calendar.add_working_days(start, amount)


def _warn_at(start, due):
    return warning_point(start, due)


def enter_stage(case, stage, now):
    due = stage_due(case, stage, now)
    case.stage = stage
    case.stage_started_at = now
    case.due_at = due
    setattr(case, STAGE_DUE_FIELD[Stage(stage)], due)
    case.warn_at = _warn_at(now, due)
    case.warned_at = None
    case.paused_at = None
    # A new stage is a new clock: the previous stage's escalation is history (in the events;
    # escalated_at keeps the time of the last escalation).
    case.escalation_level = 0
    case.next_escalation_at = None


def stop_clock(case):
    case.due_at = None
    case.warn_at = None
    case.next_escalation_at = None
    case.paused_at = None


def pause(case, now):
    if case.paused_at is None and case.due_at is not None:
        case.paused_at = now


def resume(case, now):
    """The paused time is added back to every running timestamp of the clock."""
    if case.paused_at is None:
        return
    paused_for = now - case.paused_at
    case.paused_at = None
    if case.due_at is not None:
        case.due_at += paused_for
        setattr(case, STAGE_DUE_FIELD[Stage(case.stage)], case.due_at)
        if case.warn_at is not None:
            case.warn_at += paused_for
        if case.next_escalation_at is not None:
            case.next_escalation_at += paused_for


def move_deadline(case, due, now):
    """An approved extension: the running stage gets a new deadline and, no longer overdue, its
    escalation starts again from zero (the escalations so far stay in the audit trail)."""
    case.due_at = due
    setattr(case, STAGE_DUE_FIELD[Stage(case.stage)], due)
    case.warn_at = _warn_at(case.stage_started_at or now, due)
    if case.warn_at > now:
        case.warned_at = None
    case.escalation_level = 0
    case.next_escalation_at = None
    if case.paused_at is not None:
        # The new deadline is absolute: pause time before the approval must not be added to it on
        # resume; pause time from now on still is.
        case.paused_at = now


def time_left(case, now):
    if case.due_at is None:
        return None
    if case.paused_at is not None:
        return case.due_at - case.paused_at
    return case.due_at - now


def overdue_q(now=None):
    """The database form of is_overdue() (one rule, two forms): an open case whose running (not paused)
    deadline has passed.
    Used by the queues' "已超时" filter, the supervision ordering, the API filter and the home counts."""
    from django.db.models import Q
    from django.db.models.functions import Now

    return Q(state__in=OPEN_STATES, due_at__lt=Now() if now is None else now, paused_at__isnull=True)


def is_overdue(case, now):
    """An open case whose running deadline has passed. A paused clock (information requested from the
    township) is not overdue, even when the deadline had passed before the pause: the case waits for the
    township, and the sweep does not escalate it either. The same rule as overdue_q(), for one row."""
    return (
        case.state in OPEN_STATES and case.due_at is not None and case.paused_at is None and case.due_at < now
    )
