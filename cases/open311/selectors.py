"""Open311 reads: the services (published township list items) and the requests (Open311-channel cases)."""

from datetime import timedelta

from django.db.models import OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cases.audit import CaseAction
from cases.models import Case, CaseEvent, Channel
from cases.open311.rendering import GENERAL_CODE, OPEN_STATUSES, Open311Error, general_service
from governance.models import Level, Unit, UnitKind
from responsibilities.models import ListItem, VersionStatus

DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
RECEIVED_ACTION = CaseAction.OPEN311_RECEIVED


def _jurisdiction(params):
    """An optional jurisdiction_id (a government unit code); empty is tolerated and means all."""
    code = (params.get("jurisdiction_id") or "").strip()
    if not code:
        return None
    unit = Unit.objects.filter(code=code, kind=UnitKind.GOVERNMENT, is_active=True).first()
    if unit is None:
        raise Open311Error(404, _("未知的 jurisdiction_id：%(code)s") % {"code": code[:50]})
    return unit


def published_items(jurisdiction=None, *, for_unit=None):
    """One item per code from the published township lists (of a jurisdiction, or applying to one township).

    Township lists, because every Open311 request is reported in a township's name and triaged against them.
    """
    from responsibilities.selectors import published_versions_for_unit

    items = ListItem.objects.filter(
        version__status=VersionStatus.PUBLISHED, version__duty_list__level=Level.TOWNSHIP
    ).select_related("department")
    if for_unit is not None:
        items = items.filter(version__in=published_versions_for_unit(for_unit))
    if jurisdiction is not None:
        items = items.filter(
            Q(version__duty_list__jurisdiction__path__startswith=jurisdiction.path)
            | Q(version__duty_list__jurisdiction_id__in=jurisdiction.ancestor_ids())
        )
    seen, result = set(), []
    for item in items.order_by("code", "position", "-version__published_at"):
        if item.code not in seen:
            seen.add(item.code)
            result.append(item)
    return result


def find_service(code, jurisdiction=None, *, for_unit=None):
    """(service_code, service_name) for a code a client sent, or None."""
    if code == GENERAL_CODE:
        return GENERAL_CODE, str(general_service()["service_name"])
    for item in published_items(jurisdiction, for_unit=for_unit):
        if item.code == code:
            return item.code, item.title
    return None


def open311_cases():
    """Open311-channel cases with what request_dict reads, in a fixed number of queries."""
    return (
        Case.objects.filter(channel=Channel.OPEN311)
        .select_related("list_item", "lead_department", "township", "dispatch_centre")
        .prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.filter(action=RECEIVED_ACTION), to_attr="open311_received")
        )
    )


def _parse_dt(params, name):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    value = parse_datetime(raw.replace(" ", "+") if "T" in raw and " " in raw else raw)
    if value is None:
        raise Open311Error(400, _("%(name)s 不是 W3C 日期时间格式（例如 2026-01-31T09:00:00+08:00）。") % {"name": name})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def request_search(params):
    """GET requests: the spec's filters and defaults (last 90 days, newest first, at most 1000)."""
    cases = open311_cases()
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        # With ids, the spec says the other filters are ignored.
        return list(cases.filter(number__in=ids[:MAX_REQUESTS]).order_by("-created_at", "-id"))
    jurisdiction = _jurisdiction(params)
    if jurisdiction is not None:
        cases = cases.filter(township__path__startswith=jurisdiction.path)
    codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
    if codes:
        received = CaseEvent.objects.filter(case=OuterRef("pk"), action=RECEIVED_ACTION, data__service_code__in=codes)
        cases = cases.filter(Q(list_item__code__in=codes) | Q(list_item__isnull=True, pk__in=received.values("case")))
    start, end = _parse_dt(params, "start_date"), _parse_dt(params, "end_date")
    if start and end and start > end:
        raise Open311Error(400, _("start_date 不能晚于 end_date。"))
    if start is None and end is None:
        start = timezone.now() - DEFAULT_WINDOW
    if start is not None:
        cases = cases.filter(created_at__gte=start)
    if end is not None:
        cases = cases.filter(created_at__lte=end)
    statuses = {s.strip().lower() for s in (params.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed。"))
    if statuses == {"open"}:
        cases = cases.filter(state__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        cases = cases.exclude(state__in=OPEN_STATUSES)
    return list(cases.order_by("-created_at", "-id")[:MAX_REQUESTS])

