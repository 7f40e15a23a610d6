"""Figures per body and period, aggregated over facts in a fixed number of queries whatever the number of bodies.

Every metric is declared once in METRICS: its label, the Q of the facts it counts (numerator) and, for a
rate, the Q of the facts it is a share of (denominator). The figures, the ranking, the exports and the
drill-down (assessment.selectors.drilldown_cases) all read this table, so a figure and the cases behind it
cannot disagree. Exempt facts (exempt_code set) stay in the counts of cases received; in a rate they can only
spare the body (see _rate) and they never appear in 失职.
"""

import calendar as pycalendar
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Aggregate, Avg, Count, FloatField, Q, Sum
from django.utils.translation import gettext_lazy as _

from assessment.models import BodyRole

DEPT_ROLES = [BodyRole.LEAD, BodyRole.FORMER]
COUNTED = Q(exempt_code="")


@dataclass(frozen=True)
class Metric:
    key: str
    label: object
    scope: str  # "department" or "township"
    num: Q
    den: Q = None  # a rate when set
    inverse: bool = False  # lower is better (重办率, 退回率)
    fmt: str = "count"  # count | rate | hours | sum


def _rate(key, label, scope, num, den, inverse=False):
    """An exemption only ever spares a body: a good case (on time, satisfied) always counts for it; a bad one
    that is exempt leaves the rate — out of the denominator of a "higher is better" rate, out of the
    numerator of a "lower is better" one (重办率, 退回率)."""
    if inverse:
        return Metric(key, label, scope, num & den & COUNTED, den, True, "rate")
    return Metric(key, label, scope, num & den, den & (COUNTED | num), False, "rate")


LEAD = Q(role=BodyRole.LEAD)
TOWN = Q(role=BodyRole.TOWNSHIP)

METRICS = [
    Metric("received", _("承办（牵头）"), "department", Q(role__in=DEPT_ROLES)),
    Metric("assisting", _("协办"), "department", Q(role=BodyRole.ASSISTING)),
    _rate("claim_on_time", _("签收及时率"), "department", Q(claimed_on_time=True), LEAD & Q(claimed_on_time__isnull=False)),
    _rate("resolution_rate", _("办结率"), "department", Q(resolved=True), LEAD),
    _rate("on_time_resolution", _("按时办结率"), "department", Q(resolved_on_time=True),
          LEAD & Q(resolved_on_time__isnull=False)),
    _rate("satisfaction", _("满意率"), "department", Q(satisfied=True), LEAD & Q(rated=True)),
    _rate("reopen_rate", _("重办率"), "department", Q(reopened=True), LEAD & Q(rated=True), inverse=True),
    Metric("declined", _("退回分拨"), "department", Q(declined_away=True)),
    Metric("reassigned", _("被改派"), "department", Q(reassigned_away=True)),
    Metric("escalated", _("被督办"), "department", LEAD & (Q(esc_1__gt=0) | Q(esc_2__gt=0) | Q(esc_3__gt=0))),
    Metric("ext_requested", _("申请延期"), "department", LEAD & Q(ext_requested__gt=0)),
    Metric("ext_approved", _("批准延期"), "department", LEAD & Q(ext_approved__gt=0)),
    Metric("whistled", _("吹哨数"), "township", TOWN),
    _rate("return_rate", _("属本级职责退回率"), "township", Q(returned=True), TOWN, inverse=True),
    _rate("feedback_on_time", _("按时反馈率"), "township", Q(feedback_on_time=True),
          TOWN & Q(feedback_on_time__isnull=False)),
    Metric("returned", _("退回本级办理"), "township", TOWN & Q(returned=True)),
    Metric("info_answered", _("补充材料答复"), "township", TOWN & Q(info_answer_hours__isnull=False)),
    # Both scopes.
    Metric("missed", _("失职（超时未免责）"), "both", Q(missed=True) & COUNTED),
    Metric("exempt", _("免责"), "both", ~COUNTED),
]
METRIC_BY_KEY = {m.key: m for m in METRICS}
HOURS = {
    "department": [("response_hours", _("签收用时")), ("resolution_hours", _("办结用时"))],
    "township": [("triage_hours", _("分拨研判用时")), ("feedback_hours", _("反馈用时")),
                 ("info_answer_hours", _("补充材料答复用时"))],
}
SUMS = [("esc_1", _("一级督办")), ("esc_2", _("二级督办")), ("esc_3", _("三级及以上督办"))]
SCORED = {
    "department": ["claim_on_time", "on_time_resolution", "resolution_rate", "satisfaction", "reopen_rate"],
    "township": ["feedback_on_time", "return_rate"],
}
DEFAULT_WEIGHTS = {
    "department": {"claim_on_time": 20, "on_time_resolution": 35, "resolution_rate": 15, "satisfaction": 25,
                   "reopen_rate": 5},
    "township": {"feedback_on_time": 60, "return_rate": 40},
}


def metrics_for(scope):
    return [m for m in METRICS if m.scope in (scope, "both")]


# --- Periods ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year | custom
    start: date
    end: date  # inclusive

    @property
    def is_month(self):
        return self.kind == "month"

    @property
    def key(self):
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}~{self.end.isoformat()}"

    def query(self):
        if self.kind == "custom":
            return f"period=custom&from={self.start.isoformat()}&to={self.end.isoformat()}"
        return f"period={self.kind}&value={self.key}"

    def months(self):
        out, cur = [], self.start.replace(day=1)
        while cur <= self.end:
            out.append(cur)
            cur = (cur + timedelta(days=32)).replace(day=1)
        return out


def month_period(first):
    last = pycalendar.monthrange(first.year, first.month)[1]
    return Period("month", first.replace(day=1), first.replace(day=last))


def parse_period(params, today, *, strict=False):
    """From ?period=month&value=2026-05 | quarter&value=2026-Q2 | year&value=2026 | custom&from=..&to=..
    Anything unreadable falls back to the previous month (the one the monthly meeting discusses); with
    `strict` (the API) no period at all means that month too, but an unreadable one raises ValueError."""
    kind, value = params.get("period", "month"), (params.get("value") or "").strip()
    if strict and "period" not in params and not value:
        return month_period((today.replace(day=1) - timedelta(days=1)).replace(day=1))
    try:
        if kind == "month":
            year, month = (int(x) for x in value.split("-"))
            return month_period(date(year, month, 1))
        if kind == "quarter":
            year, q = value.split("-Q")
            first = date(int(year), (int(q) - 1) * 3 + 1, 1)
            last_month = month_period(date(first.year, first.month + 2, 1))
            return Period("quarter", first, last_month.end)
        if kind == "year":
            year = int(value)
            return Period("year", date(year, 1, 1), date(year, 12, 31))
        if kind == "custom":
            start, end = date.fromisoformat(params.get("from", "")), date.fromisoformat(params.get("to", ""))
            if start <= end and (end - start).days <= 366 * 3:
                return Period("custom", start, end)
    except (ValueError, TypeError):
        pass
    if strict:
        raise ValueError(kind)
    return month_period((today.replace(day=1) - timedelta(days=1)).replace(day=1))


# --- Aggregation ---------------------------------------------------------------------------------


def _pct(n, d):
    return round(100.0 * n / d, 1) if d else None


def _p90(values):
    if not values:
        return None
    values = sorted(values)
    index = max(0, int(round(0.9 * len(values) + 0.4999)) - 1)
    return round(values[min(index, len(values) - 1)], 1)


class P90(Aggregate):
    """PostgreSQL's nearest-rank 90th percentile (the same definition as _p90)."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(0.9) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@contextmanager
def aggregation_session():
    """The report's queries in one transaction with enough sort memory on PostgreSQL.

    Measured at 1M cases (bench_assessment, EXPLAIN ANALYZE of the per-body aggregate, 156k facts): with the
    server's default work_mem (4 MB) the sort by body spills to disk (external merge, 13 MB) and JIT compiles
    the 35 aggregates for ~40 ms a run; with 64 MB and JIT off the sort is in memory and the query takes
    274 ms instead of 365 ms. SET LOCAL ends with the transaction; SQLite needs neither."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
                cursor.execute("SET LOCAL jit = off")
        yield


def aggregate(facts, bodies):
    """{body_id: {metric_key: {"n", "d", "value"}, "hours": {...}, "sums": {...}}} for the given bodies.
    One aggregate query grouped by body on PostgreSQL (the p90s are PERCENTILE_DISC); elsewhere a second
    query fetches the stage hours and the p90s are computed here."""
    on_pg = connection.vendor == "postgresql"
    annotations = {}
    for m in METRICS:
        annotations[f"{m.key}__n"] = Count("pk", filter=m.num)
        if m.den is not None:
            annotations[f"{m.key}__d"] = Count("pk", filter=m.den)
    for field, _label in SUMS:
        annotations[f"{field}__sum"] = Sum(field, filter=LEAD)
    for scope, fields in HOURS.items():
        role_q = LEAD if scope == "department" else TOWN
        for field, _label in fields:
            annotations[f"{field}__avg"] = Avg(field, filter=role_q & COUNTED)
            if on_pg:
                annotations[f"{field}__p90"] = P90(field, filter=role_q & COUNTED)
    rows = {r["body_id"]: r for r in facts.order_by().values("body_id").annotate(**annotations)}
    hour_fields = [f for fields in HOURS.values() for f, _l in fields]
    samples = {}
    if not on_pg:
        for row in facts.order_by().filter(COUNTED, role__in=[BodyRole.LEAD, BodyRole.TOWNSHIP]).values_list(
                "body_id", *hour_fields):
            per_body = samples.setdefault(row[0], {})
            for field, value in zip(hour_fields, row[1:], strict=True):
                if value is not None:
                    per_body.setdefault(field, []).append(value)
    out = {}
    for body in bodies:
        row = rows.get(body.pk, {})
        scope = "department" if body.is_department else "township"
        figures = {}
        for m in metrics_for(scope):
            n = row.get(f"{m.key}__n", 0) or 0
            if m.den is not None:
                d = row.get(f"{m.key}__d", 0) or 0
                figures[m.key] = {"n": n, "d": d, "value": _pct(n, d)}
            else:
                figures[m.key] = {"n": n, "d": None, "value": n}
        hours = {}
        for field, _label in HOURS[scope]:
            avg = row.get(f"{field}__avg")
            p90 = row.get(f"{field}__p90") if on_pg else _p90(samples.get(body.pk, {}).get(field, []))
            hours[field] = {"avg": round(avg, 1) if avg is not None else None,
                            "p90": round(p90, 1) if p90 is not None else None}
        sums = {field: row.get(f"{field}__sum") or 0 for field, _l in SUMS} if scope == "department" else {}
        if scope == "township" and getattr(body, "population", None):
            figures["per_10k"] = {"n": figures["whistled"]["n"], "d": body.population,
                                  "value": round(figures["whistled"]["n"] * 10000 / body.population, 2)}
        out[body.pk] = {"figures": figures, "hours": hours, "sums": sums, "scope": scope}
    return out


ITEM_METRICS = ["received", "claim_on_time", "resolution_rate", "on_time_resolution", "satisfaction", "reopen_rate",
                "missed", "exempt"]


def aggregate_items(facts):
    """Per list item (the lead department's facts): cases and the department rates, busiest first (one query).
    This feeds the policy-jam analysis: an item whose cases are late everywhere is a list problem."""
    annotations = {}
    for key in ITEM_METRICS:
        m = METRIC_BY_KEY[key]
        annotations[f"{key}__n"] = Count("pk", filter=m.num)
        if m.den is not None:
            annotations[f"{key}__d"] = Count("pk", filter=m.den)
    rows = (facts.order_by().filter(role__in=DEPT_ROLES, list_item__isnull=False)
            .values("list_item_id", "list_item__code", "list_item__title").annotate(**annotations))
    out = []
    for r in rows:
        cells = {}
        for key in ITEM_METRICS:
            m = METRIC_BY_KEY[key]
            n = r[f"{key}__n"]
            d = r.get(f"{key}__d")
            cells[key] = {"n": n, "d": d, "value": _pct(n, d) if m.den is not None else n}
        out.append({"id": r["list_item_id"], "code": r["list_item__code"], "title": r["list_item__title"],
                    "figures": cells})
    out.sort(key=lambda x: (-x["figures"]["received"]["n"], x["code"]))
    return out


def score(figures, weights, scope):
    """Composite score 0–100: the weighted mean of the scored rates (inverse rates as 100 − rate), over the
    rates that have cases behind them. None when none has."""
    total = weight_sum = 0.0
    for key in SCORED[scope]:
        w = float(weights.get(scope, {}).get(key, 0) or 0)
        value = figures.get(key, {}).get("value")
        if w <= 0 or value is None:
            continue
        if METRIC_BY_KEY[key].inverse:
            value = 100.0 - value
        total += w * value
        weight_sum += w
    return round(total / weight_sum, 2) if weight_sum else None


def formula_text(weights, scope):
    parts = []
    for key in SCORED[scope]:
        w = weights.get(scope, {}).get(key, 0)
        if w:
            label = str(METRIC_BY_KEY[key].label)
            parts.append(f"{w}×({'100−' if METRIC_BY_KEY[key].inverse else ''}{label})")
    total = sum(float(weights.get(scope, {}).get(k, 0) or 0) for k in SCORED[scope])
    return f"({' + '.join(parts)}) ÷ {total:g}" if parts else "—"


def rank(results, bodies, weights):
    """[(position, body, score)] per scope, best first; bodies without a score last, unranked."""
    ranking = {"department": [], "township": []}
    for body in bodies:
        r = results[body.pk]
        ranking[r["scope"]].append((body, score(r["figures"], weights, r["scope"])))
    out = {}
    for scope, rows in ranking.items():
        rows.sort(key=lambda x: (x[1] is None, -(x[1] or 0), x[0].sort_order, x[0].code))
        out[scope] = [(i + 1 if s is not None else None, b, s) for i, (b, s) in enumerate(rows)]
    return out


def trend(facts, months):
    """Per month: on-time resolution and satisfaction over the given facts (one query)."""
    on_time, sat = METRIC_BY_KEY["on_time_resolution"], METRIC_BY_KEY["satisfaction"]
    rows = {r["month"]: r for r in facts.order_by().values("month").annotate(
        a=Count("pk", filter=on_time.num), b=Count("pk", filter=on_time.den),
        c=Count("pk", filter=sat.num), d=Count("pk", filter=sat.den))}
    return [{"month": m.strftime("%Y-%m"), "on_time": _pct(rows.get(m, {}).get("a", 0), rows.get(m, {}).get("b", 0)),
             "satisfaction": _pct(rows.get(m, {}).get("c", 0), rows.get(m, {}).get("d", 0))} for m in months]


def heat(facts, departments, months):
    """Department × month on-time resolution rate (one query)."""
    on_time = METRIC_BY_KEY["on_time_resolution"]
    cells = {(r["body_id"], r["month"]): _pct(r["a"], r["b"]) for r in facts.order_by().values("body_id", "month")
             .annotate(a=Count("pk", filter=on_time.num), b=Count("pk", filter=on_time.den))}
    return [{"body": d, "cells": [cells.get((d.pk, m)) for m in months]} for d in departments]


def funnel(facts):
    """Per stage: reported → assigned → claimed → resolved → closed satisfied (one query)."""
    row = facts.order_by().aggregate(
        reported=Count("pk", filter=TOWN), assigned=Count("pk", filter=LEAD),
        claimed=Count("pk", filter=LEAD & Q(claimed=True)), resolved=Count("pk", filter=LEAD & Q(resolved=True)),
        satisfied=Count("pk", filter=LEAD & Q(satisfied=True)))
    labels = [("reported", _("上报")), ("assigned", _("交办")), ("claimed", _("签收")), ("resolved", _("办结")),
              ("satisfied", _("满意结案"))]
    return [{"key": k, "label": str(label), "value": row[k] or 0} for k, label in labels]
