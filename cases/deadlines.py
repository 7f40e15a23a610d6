"""Deadline arithmetic for cases (时限).

These functions only set fields on a Case; transitions call them, services save the result.
Contract used by the cases transitions and the deadline sweep:
    enter_stage(case, stage, now)  start a stage's clock: stage, stage_started_at, due_at, the
                                   stage's own *_due_at column, warn_at; clears warned_at
    stop_clock(case)               no running deadline any more (closed, withdrawn, returned)
    pause(case, now) / resume(case, now)
                                   information requested from the reporter: the clock stops and
                                   the paused time is added back on resume
    time_left(case, now)           timedelta to due_at (negative when overdue), None without a clock

First version: calendar hours for triage/response, Monday–Friday working days for resolution and
feedback. The deadlines issue replaces the calendar with the Chinese working-day calendar.
"""

from datetime import timedelta

from django.conf import settings

from cases.models import Stage, Urgency

STAGE_DUE_FIELD = {
    Stage.TRIAGE: "triage_due_at",
    Stage.RESPONSE: "response_due_at",
    Stage.RESOLUTION: "resolution_due_at",
    Stage.FEEDBACK: "feedback_due_at",
}


def add_working_days(start, days):
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def stage_due(case, stage, start):
    """The deadline of `stage` for this case if it starts at `start`."""
    limits = settings.CASE_DEADLINES
    item = case.list_item if case.list_item_id else None
    urgent = case.urgency == Urgency.URGENT
    if stage == Stage.TRIAGE:
        return start + timedelta(hours=limits["urgent_triage_hours"] if urgent else limits["triage_hours"])
    if stage == Stage.RESPONSE:
        hours = (item.response_hours if item and item.response_hours else None) or limits["response_hours"]
        if urgent:
            hours = min(hours, limits["urgent_response_hours"])
        return start + timedelta(hours=hours)
    if stage == Stage.RESOLUTION:
        if urgent:
            return start + timedelta(hours=limits["urgent_resolution_hours"])
        days = (item.resolution_days if item and item.resolution_days else None) or limits["resolution_working_days"]
        return add_working_days(start, days)
    if stage == Stage.FEEDBACK:
        return add_working_days(start, limits["feedback_working_days"])
    raise ValueError(f"unknown stage {stage!r}")


def enter_stage(case, stage, now):
    due = stage_due(case, stage, now)
    case.stage = stage
    case.stage_started_at = now
    case.due_at = due
    setattr(case, STAGE_DUE_FIELD[stage], due)
    fraction = settings.CASE_DEADLINES["warning_fraction_percent"] / 100
    case.warn_at = now + (due - now) * fraction
    case.warned_at = None
    case.paused_at = None
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


def time_left(case, now):
    if case.due_at is None:
        return None
    if case.paused_at is not None:
        return case.due_at - case.paused_at
    return case.due_at - now
