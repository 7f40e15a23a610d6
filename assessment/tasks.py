"""Celery tasks: the daily rollup of assessment facts. Idempotent: re-running any day rewrites the same rows."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from assessment import facts


@shared_task(name="assessment.tasks.rollup_day")
def rollup_day(day_iso):
    from datetime import date

    return facts.refresh_day(date.fromisoformat(day_iso))


@shared_task(name="assessment.tasks.rollup_recent_days")
def rollup_recent_days():
    """Yesterday and today: deadlines that passed without any event (a claim never made) show up by the hour."""
    today = timezone.localdate()
    return sum(facts.refresh_day(day) for day in (today - timedelta(days=1), today))
