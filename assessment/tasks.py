"""Celery tasks: the daily rollup of assessment facts. Idempotent: re-running any day rewrites the same rows."""

from celery import shared_task
from django.utils import timezone

from assessment import facts


@shared_task(name="assessment.tasks.rollup_day")
def rollup_day(day_iso):
    from datetime import date

    return facts.refresh_day(date.fromisoformat(day_iso))


@shared_task(name="assessment.tasks.rollup_recent_days")
def rollup_recent_days():
    """Yesterday and today: deadlines that passed without any event (a claim never made) show up by the hour.
    The counties' watermarks then move past the events just recomputed (facts.advance_watermarks), so an
    assessor's first visit of the day catches up on nothing, not on every event since the last visit
    (0.7 s on a 2M-case province a day behind, growing with the days)."""
    return facts.refresh_recent_days(timezone.localdate())
