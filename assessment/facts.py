"""Per-case facts (CaseFact): what one case means for each body's figures. The one home of the figure rules.

compute_case_facts(case, events, ...) is pure: given a case row, its events (oldest first), its assisting
department ids and its approved exemptions, it returns the facts of each body (Fact objects). refresh_cases() recomputes and
replaces the facts of some cases in a constant number of queries (idempotent: running it twice leaves the
same rows). Freshness: refresh_county() recomputes the cases with audit events after the county's watermark
(every page and the close call it first), and the daily Celery task re-runs any day (assessment.tasks).

A case belongs to the period it was reported in (its `day`). Deadlines are the case's own per-stage
columns, which already include clock pauses (cases.deadlines.resume) and approved extensions
(cases.deadlines.move_deadline): "extensions that were approved count as the new deadline".
"""

from collections import namedtuple
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from assessment import rules
from assessment.models import FACT_FIELDS, BodyRole, CaseFact, ExemptionRequest, RollupWatermark
from cases.audit import CaseAction
from cases.models import Case, CaseEvent, CaseState, Rating, Stage
from governance.calendar import WorkCalendar

SATISFIED = {Rating.SATISFIED, Rating.BASIC}
Event = namedtuple("Event", "action data created_at")  # what the rules read of a CaseEvent
# What the rules read of a Case row (plain values: a model instance costs more than the rules themselves).
CASE_COLUMNS = ["pk", "township_id", "township__parent_id", "created_at", "list_item_id", "item_kind",
                "lead_department_id", "state", "assigned_at", "claimed_at", "response_due_at", "paused_at",
                "resolved_at", "resolution_due_at", "rating", "reopen_count", "feedback_due_at", "feedback_at"]
CaseRow = namedtuple("CaseRow", [c.replace("township__parent_id", "county_id") for c in CASE_COLUMNS])

_DEFAULTS = {f.attname: f.get_default() for f in CaseFact._meta.concrete_fields if f.attname in FACT_FIELDS}


class Fact:
    """A fact being computed: the CaseFact columns as plain attributes (turned into rows when saved)."""

    __slots__ = tuple(FACT_FIELDS)

    def __init__(self, **values):
        for name in FACT_FIELDS:
            setattr(self, name, values.get(name, _DEFAULTS[name]))
DEPT_STAGES = {Stage.RESPONSE, Stage.RESOLUTION}


def _hours(calendar, start, end, pauses=()):
    """Working hours between start and end on the official calendar, minus the paused intervals inside."""
    if start is None or end is None or end <= start:
        return None if start is None or end is None else 0.0
    total = calendar.working_time_between(start, end)
    for p in pauses:
        lo, hi = max(start, p.start), min(end, p.end)
        if hi > lo:
            total -= calendar.working_time_between(lo, hi)
    return max(total, timedelta(0)).total_seconds() / 3600


def _first(events, *actions):
    return next((e for e in events if e.action in actions), None)


def compute_case_facts(case, events, *, assisting_ids, exemptions, calendar, now, tz=None):
    """The facts of one case (CaseRow), as Fact objects. `exemptions`: {body_id: reason} of approved requests."""
    county_id = case.county_id
    day = timezone.localdate(case.created_at, tz or timezone.get_current_timezone())
    base = dict(case_id=case.pk, county_id=county_id, month=day.replace(day=1), day=day,
                list_item_id=case.list_item_id, item_kind=case.item_kind or "")
    unadmitted = rules.refused_unadmitted(events)
    pauses = rules.paused_intervals(events, now)
    facts = []

    # --- Departments that led the case at some time: the current lead and former leads. ---
    former = {}
    for e in events:
        data = e.data or {}
        if e.action == CaseAction.DECLINED and data.get("department"):
            former.setdefault(data["department"], set()).add("declined")
        elif e.action == CaseAction.REASSIGNED and data.get("from_department"):
            former.setdefault(data["from_department"], set()).add("reassigned")
        elif e.action == CaseAction.ASSIGNED and data.get("lead_department"):
            former.setdefault(data["lead_department"], set())
    lead_id = case.lead_department_id if case.state in (CaseState.ASSIGNED, CaseState.RESOLVED,
                                                         CaseState.CLOSED) else None
    lead_missed = False
    if lead_id:
        start = rules.department_clock_start(events, lead_id) or case.assigned_at
        f = Fact(body_id=lead_id, role=BodyRole.LEAD, **base)
        f.claimed = case.claimed_at is not None
        if case.response_due_at:
            if f.claimed:
                f.claimed_on_time = case.claimed_at <= case.response_due_at
            elif now > case.response_due_at and case.paused_at is None:
                f.claimed_on_time = False
        resolved_at = case.resolved_at
        f.resolved = resolved_at is not None
        if case.resolution_due_at and f.claimed:
            if f.resolved:
                f.resolved_on_time = resolved_at <= case.resolution_due_at
            elif now > case.resolution_due_at and case.paused_at is None:
                f.resolved_on_time = False
        f.rated = (case.state == CaseState.CLOSED and case.rating != "") or case.reopen_count > 0
        f.satisfied = case.state == CaseState.CLOSED and case.rating in SATISFIED
        f.reopened = case.reopen_count > 0
        f.response_hours = _hours(calendar, start, case.claimed_at, pauses)
        f.resolution_hours = _hours(calendar, case.claimed_at, resolved_at, pauses) if f.claimed else None
        for e in events:
            if start and e.created_at < start:
                continue
            data = e.data or {}
            if e.action == CaseAction.ESCALATED and data.get("stage") in DEPT_STAGES:
                level = int(data.get("level") or 1)
                if level <= 1:
                    f.esc_1 += 1
                elif level == 2:
                    f.esc_2 += 1
                else:
                    f.esc_3 += 1
            elif e.action == CaseAction.EXTENSION_REQUESTED:
                f.ext_requested += 1
            elif e.action == CaseAction.EXTENSION_APPROVED:
                f.ext_approved += 1
        f.missed = f.claimed_on_time is False or f.resolved_on_time is False
        lead_missed = f.missed
        f.exempt_code = unadmitted or _requested(exemptions, lead_id)
        facts.append(f)
    for dept_id, how in former.items():
        if dept_id == lead_id:
            continue
        f = Fact(body_id=dept_id, role=BodyRole.FORMER, **base)
        f.declined_away = "declined" in how
        f.reassigned_away = "reassigned" in how
        f.exempt_code = unadmitted or _requested(exemptions, dept_id)
        facts.append(f)
    for dept_id in assisting_ids:
        if dept_id != lead_id:
            facts.append(Fact(body_id=dept_id, role=BodyRole.ASSISTING,
                                  exempt_code=unadmitted or _requested(exemptions, dept_id), **base))

    # --- The township that whistled. ---
    t = Fact(body_id=case.township_id, role=BodyRole.TOWNSHIP, **base)
    t.returned = case.state == CaseState.RETURNED
    triaged = _first(events, CaseAction.ASSIGNED, CaseAction.RETURNED)
    t.triage_hours = _hours(calendar, case.created_at, triaged.created_at if triaged else None)
    last_resolved = None
    for e in events:
        if e.action == CaseAction.RESOLVED:
            last_resolved = e.created_at
    if case.feedback_due_at and last_resolved:
        if case.state == CaseState.CLOSED or (case.feedback_at and case.feedback_at >= last_resolved):
            t.feedback_on_time = case.feedback_at <= case.feedback_due_at
            t.feedback_hours = _hours(calendar, last_resolved, case.feedback_at)
        elif case.state == CaseState.RESOLVED and now > case.feedback_due_at:
            t.feedback_on_time = False
    answered = [p for p in pauses if p.end != now]
    if answered:
        t.info_answer_hours = sum(_hours(calendar, p.start, p.end) or 0.0 for p in answered) / len(answered)
    t.missed = t.feedback_on_time is False
    t.exempt_code = (unadmitted or rules.township_negative_list(case) or rules.township_lead_failed(case, lead_missed)
                     or _requested(exemptions, case.township_id))
    facts.append(t)
    return facts


def _requested(exemptions, body_id):
    reason = exemptions.get(body_id)
    return f"{rules.REQUEST_PREFIX}{reason}" if reason else ""


def refresh_cases(case_ids, *, now=None):
    """Recompute and replace the facts of these cases (constant number of queries per batch)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    case_ids = sorted(set(case_ids))
    written = 0
    for i in range(0, len(case_ids), 2000):
        batch = case_ids[i:i + 2000]
        cases = [CaseRow(*row) for row in Case.objects.filter(pk__in=batch).values_list(*CASE_COLUMNS)]
        if not cases:
            continue
        events = {}
        for case_id, action, data, created_at in CaseEvent.objects.filter(case_id__in=batch).order_by(
                "created_at", "id").values_list("case_id", "action", "data", "created_at"):
            events.setdefault(case_id, []).append(Event(action, data, created_at))
        assisting = {}
        for case_id, unit_id in Case.assisting_departments.through.objects.filter(
                case_id__in=batch).values_list("case_id", "unit_id"):
            assisting.setdefault(case_id, []).append(unit_id)
        exemptions = {}
        for case_id, body_id, reason in ExemptionRequest.objects.filter(
                case_id__in=batch, status=ExemptionRequest.Status.APPROVED).values_list("case_id", "body_id", "reason"):
            exemptions.setdefault(case_id, {})[body_id] = reason
        first = min(timezone.localdate(c.created_at) for c in cases)
        calendar = WorkCalendar.load(first - timedelta(days=1), timezone.localdate(now) + timedelta(days=1))
        rows = []
        for case in cases:
            rows.extend(compute_case_facts(case, events.get(case.pk, []), assisting_ids=assisting.get(case.pk, []),
                                           exemptions=exemptions.get(case.pk, {}), calendar=calendar, now=now,
                                           tz=tz))
        with transaction.atomic():
            CaseFact.objects.filter(case_id__in=batch).delete()
            _insert(rows, now)
            # The county's facts changed: cached reports of it are stale (their key holds updated_at).
            RollupWatermark.objects.filter(county_id__in={c.county_id for c in cases}).update(updated_at=now)
        written += len(rows)
    return written


def _insert(rows, now):
    """bulk_create spends most of its time compiling SQL for 30-column rows; on PostgreSQL the rows go in
    through psycopg2's execute_values instead (same columns, same values)."""
    if connection.vendor != "postgresql":
        CaseFact.objects.bulk_create([CaseFact(**{c: getattr(r, c) for c in FACT_FIELDS}) for r in rows],
                                     batch_size=2000)
        return
    from psycopg2.extras import execute_values

    columns = [*FACT_FIELDS, "computed_at"]
    values = [tuple(getattr(r, c) for c in FACT_FIELDS) + (now,) for r in rows]
    with connection.cursor() as cursor:
        execute_values(cursor.cursor, f"INSERT INTO {CaseFact._meta.db_table} ({', '.join(columns)}) VALUES %s",  # noqa: S608 - our names
                       values, page_size=2000)


def refresh_county(county):
    """Bring the county's facts up to its audit log: cases with events after the watermark are recomputed.
    Two queries when nothing changed."""
    mark, _ = RollupWatermark.objects.get_or_create(county=county)
    # One scan of the province's events after the watermark gives the cases to recompute and, from the same
    # snapshot, the last event seen (a day behind on bench_province's 2M cases, 112k events: a MAX then a
    # DISTINCT scanned them twice, 108 + 59 ms). order_by(): CaseEvent's default ordering would join the GROUP BY.
    rows = list(CaseEvent.objects.filter(pk__gt=mark.last_event_id, case__township__parent_id=county.pk).order_by()
                .values("case_id").annotate(top=Max("pk")).values_list("case_id", "top"))
    if not rows:
        return 0
    top = max(last for _case, last in rows)
    changed = [case_id for case_id, _last in rows]
    refresh_cases(changed)
    RollupWatermark.objects.filter(pk=mark.pk, last_event_id__lt=top).update(last_event_id=top)
    return len(changed)


def refresh_recent_days(today):
    """Yesterday and today (refresh_day), then the counties' watermarks past what that recomputed
    (advance_watermarks): the hourly task. Returns the facts written."""
    yesterday = today - timedelta(days=1)
    top = CaseEvent.objects.aggregate(top=Max("pk"))["top"] or 0  # read before the rollup reads the events
    written = refresh_day(yesterday) + refresh_day(today)
    advance_watermarks(_day_start(yesterday), top)
    return written


def advance_watermarks(since, top):
    """After a rollup that recomputed every case with an event since `since` (refresh_day of yesterday and
    today), move to `top` (the last event id read before that rollup began) the watermark of every county
    whose events after its watermark all fall in that window: they were recomputed, so the county's page
    has nothing to catch up. A county behind by older events keeps its watermark (its page recomputes
    them, as before). One indexed read per county: the first event of the province after the watermark.
    An event whose transaction commits after `top` was read carries today's date, so the next hourly
    rollup recomputes it (as it always has)."""
    advanced = 0
    for mark in RollupWatermark.objects.filter(last_event_id__lt=top):
        first = (CaseEvent.objects.filter(pk__gt=mark.last_event_id).order_by("pk")
                 .values_list("created_at", flat=True).first())
        if first is not None and first >= since:
            advanced += RollupWatermark.objects.filter(pk=mark.pk, last_event_id__lt=top).update(last_event_id=top)
    return advanced


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def refresh_day(day):
    """The daily rollup: every case reported on `day` or with an event on `day` is recomputed. Re-runnable."""
    start = _day_start(day)
    end = start + timedelta(days=1)
    ids = set(Case.objects.filter(created_at__gte=start, created_at__lt=end).values_list("pk", flat=True))
    ids |= set(CaseEvent.objects.filter(created_at__gte=start, created_at__lt=end).values_list("case_id", flat=True))
    return refresh_cases(ids)
