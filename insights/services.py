"""Writes of the insights app: computing a period's findings (堵点)."""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from insights import detectors
from insights.models import Finding


def month_of(day):
    """[first day of the month, first day of the next month) containing `day`."""
    start = day.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def findings_compute(county, start, end, *, limits=None):
    """Rewrite the county's findings for [start, end): one row per (detector, subject) that fires now (updated in
    place if it fired before), and the period's rows that no longer fire removed. Running it twice has the
    effect of running it once. Returns the findings, heaviest first."""
    limits = {**detectors.thresholds(), **(limits or {})}
    now = timezone.now()
    history = detectors.load_history(county, start, end, now=now)
    # The stored sentence is in the site's language (zh-hans), whatever language the caller has active.
    with translation.override(settings.LANGUAGE_CODE):
        drafts = [draft for detect in detectors.DETECTORS.values() for draft in detect(history, limits)]
    with transaction.atomic():
        kept = []
        for draft in drafts:
            finding, _created = Finding.objects.update_or_create(
                county=county, period_start=start, period_end=end, detector=draft.detector,
                subject_key=draft.subject_key,
                defaults=dict(item_code=draft.item_code, item_title=draft.item_title[:300], unit_id=draft.unit_id,
                              weight=draft.weight, summary=draft.summary, evidence=draft.evidence, computed_at=now),
            )
            kept.append(finding.pk)
        Finding.objects.filter(county=county, period_start=start, period_end=end).exclude(pk__in=kept).delete()
    return list(Finding.objects.filter(pk__in=kept).order_by("-weight", "pk"))
