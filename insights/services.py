"""Writes of the insights app: computing a period's findings (堵点)."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from insights import detectors
from insights.models import CountyThresholds, Finding

# Keys whose value is a share (0–1); every other key is a positive number (counts, hours, a z-score).
SHARE_KEYS = {"disputed_share", "wrong_owner_share", "deadline_struggle_share", "gap_similarity"}


def thresholds_for(county):
    """The thresholds the detectors use for `county`: defaults, settings, then the county's own changes."""
    own = CountyThresholds.objects.filter(county=county).values_list("values", flat=True).first() or {}
    defaults = detectors.thresholds()
    return {**defaults, **{k: v for k, v in own.items() if k in defaults}}


def thresholds_save(*, county, actor, values):
    """Store the county's thresholds (only those differing from the defaults). Each value must be a number of the
    default's type: shares within (0, 1], counts and hours at least 1, the z-score above 0. Raises
    ValidationError({key: message}) and writes nothing when one is wrong."""
    defaults, errors, own = detectors.thresholds(), {}, {}
    for key, default in defaults.items():
        if key not in values or values[key] in (None, ""):
            continue
        try:
            value = int(values[key]) if isinstance(default, int) else float(values[key])
        except (TypeError, ValueError):
            errors[key] = _("请填写数字。")
            continue
        if isinstance(default, int) and str(values[key]).strip() not in (str(value), f"{value}.0"):
            errors[key] = _("请填写整数。")
        elif key in SHARE_KEYS and not 0 < value <= 1:
            errors[key] = _("比例应大于 0 且不超过 1。")
        elif key not in SHARE_KEYS and isinstance(default, int) and not 1 <= value <= 10000:
            errors[key] = _("应为 1 到 10000 之间的整数。")
        elif key not in SHARE_KEYS and not 0 < value <= 100:
            errors[key] = _("应大于 0 且不超过 100。")
        elif value != default:
            own[key] = value
    if errors:
        raise ValidationError(errors)
    row, _created = CountyThresholds.objects.update_or_create(county=county,
                                                              defaults={"values": own, "updated_by": actor})
    return row


def month_of(day):
    """[first day of the month, first day of the next month) containing `day`."""
    start = day.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def findings_compute(county, start, end, *, limits=None):
    """Rewrite the county's findings for [start, end): one row per (detector, subject) that fires now (updated in
    place if it fired before), and the period's rows that no longer fire removed. Running it twice has the
    effect of running it once. Returns the findings, heaviest first."""
    limits = {**thresholds_for(county), **(limits or {})}
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
