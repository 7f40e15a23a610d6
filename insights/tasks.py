"""Celery tasks: the daily computation of the current month's findings. Idempotent (findings_compute upserts)."""

from celery import shared_task
from django.utils import timezone

from governance.models import Level, Unit, UnitKind
from insights.services import findings_compute, month_of


@shared_task(name="insights.tasks.compute_current_month")
def compute_current_month():
    """This month's findings for every active county; returns how many findings there are now."""
    start, end = month_of(timezone.localdate())
    counties = Unit.objects.filter(level=Level.COUNTY, kind=UnitKind.GOVERNMENT, is_active=True).order_by("pk")
    return sum(len(findings_compute(county, start, end)) for county in counties)
