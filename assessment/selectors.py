"""Reads for assessment, behind the viewer's scope (assessment.permissions).

report(viewer, period) is the one structure the dashboard, the exports, the print view and the monthly
snapshot share: a closed month is read from its snapshot (what the meeting saw), any other period is
aggregated live from the facts after bringing them up to the audit log. The number of queries is fixed
whatever the number of bodies or cases.
"""

from django.db.models import Q
from django.http import Http404

from assessment import facts as facts_mod
from assessment import figures, rules
from assessment.models import CaseFact, ExemptionRequest, FrozenFact, MonthClose
from cases.selectors import case_list, case_list_for_user
from governance.models import Level, Unit, UnitKind

LIST_LIMIT = 500  # rows of the exemption and 失职 lists shown on a page (the export has them all)


def county_bodies(county):
    """Departments and townships of a county, in their display order (one query)."""
    units = list(Unit.objects.filter(Q(kind=UnitKind.DEPARTMENT) | Q(kind=UnitKind.GOVERNMENT, level=Level.TOWNSHIP),
                                     parent=county, is_active=True).order_by("sort_order", "code"))
    return [u for u in units if u.is_department], [u for u in units if u.is_township]


def facts_for(county, period, close=None):
    if close is not None:
        return FrozenFact.objects.filter(close=close)
    return CaseFact.objects.filter(county=county, day__range=(period.start, period.end))


def _case_lines(qs, limit):
    # Ordered like the (county, day, body) index, so a month's list is a range scan, not a walk of the table.
    rows = list(qs.order_by("day", "body_id", "case_id").values("case_id", "case__number", "case__title", "body_id",
                                                        "body__short_name", "body__name", "exempt_code")[:limit])
    return [{"case": r["case_id"], "number": r["case__number"], "title": r["case__title"], "body": r["body_id"],
             "body_name": r["body__short_name"] or r["body__name"], "code": r["exempt_code"],
             "reason": rules.exempt_label(r["exempt_code"]) if r["exempt_code"] else ""} for r in rows]


def build_report(county, period, facts, formula, *, limit=None):
    with figures.aggregation_session():
        return _build_report(county, period, facts, formula, limit=limit)


def _build_report(county, period, facts, formula, *, limit=None):
    departments, townships = county_bodies(county)
    results = figures.aggregate(facts, departments + townships)
    ranking = figures.rank(results, departments + townships, formula.weights)
    out = {"county": county.pk, "county_name": county.display_name, "period": period.key,
           "formula": {"version": formula.version, "weights": formula.weights,
                       "department": figures.formula_text(formula.weights, "department"),
                       "township": figures.formula_text(formula.weights, "township")}}
    for scope in ("department", "township"):
        rows = []
        for position, body, value in ranking[scope]:
            r = results[body.pk]
            rows.append({"id": body.pk, "name": body.display_name, "position": position, "score": value,
                         "figures": r["figures"], "hours": r["hours"], "sums": r["sums"],
                         "population": body.population})
        out[scope] = rows
    out["items"] = figures.aggregate_items(facts)
    out["exemptions"] = _case_lines(facts.exclude(exempt_code=""), limit)
    out["missed"] = _case_lines(facts.filter(figures.METRIC_BY_KEY["missed"].num), limit)
    return out


def build_snapshot(county, period, facts, formula):
    snapshot = build_report(county, period, facts, formula)
    snapshot["fact_count"] = facts.count()
    return snapshot


def live_report(county, period, formula):
    """The live report, cached until the county's facts, its bodies or its formula change (the key holds the
    watermark, the facts' last write, the bodies and the formula version)."""
    from django.core.cache import cache

    from assessment.models import RollupWatermark

    facts_mod.refresh_county(county)
    mark = RollupWatermark.objects.get(county=county)
    bodies = list(Unit.objects.filter(parent=county, is_active=True).values_list("pk", flat=True))
    key = (f"assessment:report:{county.pk}:{period.key}:{mark.last_event_id}:{mark.updated_at.timestamp()}:"
           f"{formula.pk}:{len(bodies)}:{max(bodies, default=0)}")
    data = cache.get(key)
    if data is None:
        data = build_report(county, period, facts_for(county, period), formula, limit=LIST_LIMIT)
        cache.set(key, data, 3600)
    return data


def report(viewer, period):
    """(report dict, close or None): the closed month's snapshot, or live figures. Filtered to the viewer."""
    from assessment.services import close_in_force, formula_in_force, snapshot_of

    close = close_in_force(viewer.county, period.start) if period.is_month else None
    if close is not None:
        data = dict(snapshot_of(close))
    else:
        data = live_report(viewer.county, period, formula_in_force(viewer.county))
    if not viewer.full:
        data = _own_only(data, viewer.own_ids)
    return data, close


def _own_only(data, own_ids):
    """A department or township sees its own row (with its rank among all) and its own case lists."""
    data = dict(data)
    for scope in ("department", "township"):
        data[scope] = [r for r in data[scope] if r["id"] in own_ids]
    data["items"] = []  # per-item figures span every department: for the county's view only
    data["exemptions"] = [r for r in data["exemptions"] if r["body"] in own_ids]
    data["missed"] = [r for r in data["missed"] if r["body"] in own_ids]
    return data


def charts(viewer, period, close=None):
    """Trend (the last 12 months up to the period's end), heat table and funnel, over the viewer's bodies.
    Cached like the live report: until the county's facts (watermark, last write) or its bodies change."""
    from django.core.cache import cache

    from assessment.models import RollupWatermark

    mark = RollupWatermark.objects.filter(county=viewer.county).values_list("last_event_id", "updated_at").first()
    bodies = list(Unit.objects.filter(parent=viewer.county, is_active=True).values_list("pk", flat=True))
    scope = "full" if viewer.full else ",".join(str(pk) for pk in sorted(viewer.own_ids))
    key = (f"assessment:charts:{viewer.county.pk}:{period.key}:{close.pk if close else ''}:{mark}:{scope}:"
           f"{len(bodies)}:{max(bodies, default=0)}").replace(" ", "_")
    data = cache.get(key)
    if data is None:
        with figures.aggregation_session():
            data = _charts(viewer, period, close)
        cache.set(key, data, 3600)
    return data


def _charts(viewer, period, close):
    from datetime import timedelta

    end = period.end
    start = (end.replace(day=1) - timedelta(days=330)).replace(day=1)
    months = figures.Period("custom", start, end).months()
    base = CaseFact.objects.filter(county=viewer.county, day__range=(start, end))
    if not viewer.full:
        base = base.filter(body_id__in=viewer.own_ids)
    departments, _townships = county_bodies(viewer.county)
    departments = [d for d in departments if viewer.may_see(d)]
    period_facts = facts_for(viewer.county, period, close)
    if not viewer.full:
        period_facts = period_facts.filter(body_id__in=viewer.own_ids)
    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "trend": figures.trend(base, months),
        "heat": figures.heat(base.filter(role=figures.BodyRole.LEAD), departments, months),
        "funnel": figures.funnel(period_facts),
    }


def drilldown_cases(user, viewer, period, body, metric_key, item_id=None):
    """The cases behind one figure, through the same access-checked selector as the queues
    (cases.selectors.case_list_for_user): a case the user may not see never appears. With `item_id` (and no
    body) the figure is a list item's, over every department (the county's view only)."""
    metric = figures.METRIC_BY_KEY.get(metric_key)
    if metric is None:
        raise Http404
    if body is None:
        if not viewer.full or item_id is None or metric_key not in figures.ITEM_METRICS:
            raise Http404
    else:
        if not viewer.may_see(body):
            raise Http404
        scope = "department" if body.is_department else "township"
        if metric.scope not in (scope, "both"):
            raise Http404
    from assessment.services import close_in_force

    close = close_in_force(viewer.county, period.start) if period.is_month else None
    if close is None:
        facts_mod.refresh_county(viewer.county)
    facts = facts_for(viewer.county, period, close)
    facts = facts.filter(body=body) if body is not None else facts.filter(list_item_id=item_id,
                                                                           role__in=figures.DEPT_ROLES)
    behind = facts.filter(metric.num).values("case_id")
    qs = case_list(case_list_for_user(user).filter(pk__in=behind)).order_by("-created_at", "-id")
    reasons = dict(facts.exclude(exempt_code="").values_list("case_id", "exempt_code"))
    return metric, qs, reasons, close


def exemption_queue(viewer):
    return (ExemptionRequest.objects.filter(county=viewer.county, status=ExemptionRequest.Status.PENDING)
            .select_related("case", "body", "requested_by").order_by("due_at", "id"))


def exemptions_of_user(user, bodies):
    return (ExemptionRequest.objects.filter(body__in=bodies).select_related("case", "body", "decided_by")
            .order_by("-created_at"))


def exemption_for_user(user, pk):
    """A request is visible to its body's staff and to the county's reviewers; 404 otherwise."""
    from assessment import permissions

    request = ExemptionRequest.objects.select_related("case", "body", "county", "requested_by", "decided_by").filter(
        pk=pk).first()
    if request is None:
        raise Http404
    viewer = permissions.viewer_for(user, request.county_id)
    if permissions.may_request_exemption(user, request.body) or (viewer is not None and viewer.reviewer):
        return request, viewer
    raise Http404


def closes_of(county):
    return MonthClose.objects.filter(county=county).select_related("closed_by", "reopening", "formula").defer(
        "snapshot").order_by(
        "-month", "-closed_at")


def published_months(county):
    """Closed months in force, for the public summary."""
    return MonthClose.objects.filter(county=county, reopening__isnull=True).defer("snapshot").order_by("-month")
