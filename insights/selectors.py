"""Reads of the insights app (the stored findings; nothing is recomputed per view)."""

from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from cases.models import Case
from insights import permissions
from insights.models import Detector, Finding, ProposalState, RevisionProposal
from insights.services import month_of


def county_for(user, county_id=None):
    """The county the user reads (the requested one, or the first), or None: no access."""
    counties = permissions.counties_for(user)
    if county_id is not None:
        return next((c for c in counties if str(c.pk) == str(county_id)), None)
    return counties[0] if counties else None


# Evidence cases shown with each finding on the leadership page; the finding's own page lists them all (paged).
# A month of a large county puts thousands of cases behind one finding (bench/bench_insights.py).
EVIDENCE_SHOWN = 10


def findings_of(county, start, end):
    """The period's findings, heaviest first, each with `.case_count` and `.cases` (number, title, pk) of the first
    EVIDENCE_SHOWN cases of its evidence: two queries (and two for the proposals) whatever the evidence's size."""
    findings = list(Finding.objects.filter(county=county, period_start=start, period_end=end)
                    .select_related("unit").order_by("-weight", "pk"))
    ids = {pk for f in findings for pk in f.case_ids[:EVIDENCE_SHOWN]}
    cases = {c.pk: c for c in Case.objects.filter(pk__in=ids).only("pk", "number", "title", "state")}
    for f in findings:
        f.case_count = len(f.case_ids)
        f.cases = [cases[pk] for pk in f.case_ids[:EVIDENCE_SHOWN] if pk in cases]
    _attach_proposals(findings)
    return findings


def _attach_proposals(findings):
    """`.revisions` (the proposals) on each finding (with their outcome): two queries whatever the number of findings."""
    by_finding = {}
    if findings:
        for p in with_outcome(RevisionProposal.objects.filter(finding__in=[f.pk for f in findings])
                              .select_related("duty_list", "proposer_unit").order_by("created_at", "pk")):
            by_finding.setdefault(p.finding_id, []).append(p)
    for f in findings:
        f.revisions = by_finding.get(f.pk, [])
        f.acted_on = any(p.published for p in f.revisions)


def _months_back(start, count):
    """The first days of the `count` months ending with the month starting `start`, oldest first."""
    months, day = [], start
    for _i in range(count):
        months.append(day)
        day = month_of(day - timedelta(days=1))[0]
    return months[::-1]


def trends(county, start, *, months=6):
    """Findings per detector per month, for the `months` months up to the one starting `start`: one query.
    {"months": ["2026-01", ...], "detectors": [(code, label)], "rows": [{"month", "counts": [n per detector],
    "total"}]}. Lapsed findings (that no longer hold) are not counted."""
    days = _months_back(start, months)
    counts = {(row["period_start"], row["detector"]): row["n"] for row in Finding.objects.filter(
        county=county, period_start__gte=days[0], period_start__lte=start, lapsed_at__isnull=True,
    ).values("period_start", "detector").annotate(n=Count("pk"))}
    detectors = [(code, str(label)) for code, label in Detector.choices]
    rows = []
    for day in days:
        cells = [counts.get((day, code), 0) for code, _label in detectors]
        rows.append({"month": day.strftime("%Y-%m"), "counts": cells, "total": sum(cells)})
    return {"months": [r["month"] for r in rows], "detectors": detectors, "rows": rows}


def follow_up(county, start):
    """What was done about the findings of the month before the one starting `start`: how many findings, the
    proposals drawn from them (with their outcome), how many accepted, and the list versions published that
    carry them. Three queries."""
    previous = month_of(start - timedelta(days=1))[0]
    findings = Finding.objects.filter(county=county, period_start=previous)
    proposals = with_outcome(RevisionProposal.objects.filter(finding__in=findings).select_related(
        "duty_list", "finding").order_by("created_at", "pk"))
    published = {}
    for p in proposals:
        if p.published:
            published[p.version.pk] = p.version
    lists = {p.duty_list_id: p.duty_list for p in proposals}
    return {
        "month": previous.strftime("%Y-%m"), "findings": findings.count(), "proposals": proposals,
        "accepted": sum(p.state in (ProposalState.ACCEPTED, ProposalState.APPLIED) for p in proposals),
        "republished": [(lists[v.duty_list_id], v) for v in sorted(published.values(), key=lambda v: v.pk)],
    }


def quarter_of(value):
    """"2026-Q1" -> (first day, first day after) of that quarter; ValueError when malformed."""
    year, q = value.upper().split("-Q")
    year, q = int(year), int(q)
    if not 1 <= q <= 4 or not 2000 <= year <= 2100:
        raise ValueError(value)
    start = date(year, 3 * q - 2, 1)
    return start, month_of(date(year, 3 * q, 1))[1]


def quarter_report(county, start, end):
    """The quarter's findings (heaviest first within each month), their proposals with outcome and the trend of
    the quarter's months, for the Excel export and the print view. A fixed number of queries."""
    findings = list(Finding.objects.filter(county=county, period_start__gte=start, period_start__lt=end)
                    .select_related("unit").order_by("period_start", "-weight", "pk"))
    _attach_proposals(findings)
    months = sum(1 for _m in _iter_months(start, end))
    last = month_of(end - timedelta(days=1))[0]
    proposals = [p for f in findings for p in f.revisions]
    return {
        "county": county, "start": start, "end": end, "findings": findings, "proposals": proposals,
        "trends": trends(county, last, months=months),
        "accepted": sum(p.state in (ProposalState.ACCEPTED, ProposalState.APPLIED) for p in proposals),
        "published": sum(p.published for p in proposals),
    }


def _iter_months(start, end):
    day = start
    while day < end:
        yield day
        day = month_of(day)[1]


# --- Findings one by one, and revision proposals ---------------------------------------------------------


def lists_for_finding(finding):
    """The lists a proposal from `finding` may revise: those whose items its evidence cases were matched to,
    then the other lists the county made (a missing item may belong on any of them)."""
    from responsibilities.models import DutyList

    from_cases = set(Case.objects.filter(pk__in=finding.case_ids, list_item__isnull=False).values_list(
        "list_item__version__duty_list_id", flat=True))
    lists = list(DutyList.objects.filter(Q(pk__in=from_cases) | Q(jurisdiction=finding.county))
                 .select_related("jurisdiction").order_by("code"))
    return sorted(lists, key=lambda dl: (dl.pk not in from_cases, dl.code))


def finding_department_ids(finding):
    """The departments a finding concerns: the one it names, and the owners of its item in the lists its cases
    were matched to (as published now)."""
    from responsibilities.models import ListItem, VersionStatus

    ids = {finding.unit_id} if finding.unit_id else set()
    if finding.item_code:
        lists = Case.objects.filter(pk__in=finding.case_ids).values("list_item__version__duty_list_id")
        ids |= set(ListItem.objects.filter(version__duty_list__in=lists, version__status=VersionStatus.PUBLISHED,
                                           code=finding.item_code, department__isnull=False)
                   .values_list("department_id", flat=True))
    return ids


def finding_get_for_user(user, pk):
    """The finding, for a reader of its county or a department it concerns; None otherwise (a 404: no hint)."""
    finding = Finding.objects.select_related("county", "unit").filter(pk=pk).first()
    if finding is None:
        return None
    if permissions.reads_county(user, finding.county):
        return finding
    mine = {u.pk for u in permissions.department_units(user)}
    if mine & finding_department_ids(finding):
        return finding
    return None


def findings_for_department(user, limit=50):
    """The findings that concern the user's departments (named by the finding), newest period first."""
    mine = [u.pk for u in permissions.department_units(user)]
    if not mine:
        return []
    return list(Finding.objects.filter(unit__in=mine).select_related("unit").order_by("-period_start", "-weight")[
        :limit])


PROPOSAL_RELATED = ("finding", "duty_list", "proposer", "proposer_unit", "item_department", "reviewed_by")


def proposal_list_for_user(user):
    return RevisionProposal.objects.filter(permissions.proposal_visibility_q(user)).select_related(*PROPOSAL_RELATED)


def proposal_get_for_user(user, pk):
    return proposal_list_for_user(user).filter(pk=pk).first()


def with_outcome(proposals):
    """Set `.version` (the ListVersion the proposal's change went into, or None) and `.outcome` (a short label of
    where it stands: 待审核 / 未采纳 / 已采纳 / 已写入第 N 版草稿 / 已随第 N 版发布) on each: one query."""
    from responsibilities.models import ListVersion, VersionStatus

    proposals = list(proposals)
    wanted = {(p.duty_list_id, p.applied_version_number) for p in proposals if p.applied_version_number}
    q = Q(pk__in=[])
    for list_id, number in wanted:
        q |= Q(duty_list_id=list_id, number=number)
    versions = {(v.duty_list_id, v.number): v for v in ListVersion.objects.filter(q)} if wanted else {}
    for p in proposals:
        p.version = versions.get((p.duty_list_id, p.applied_version_number))
        p.published = bool(p.version and p.version.status != VersionStatus.DRAFT)
        if p.state != ProposalState.APPLIED:
            p.outcome = p.get_state_display()
        elif p.version is None:
            p.outcome = _("草稿已被删除（第 %(n)s 版）") % {"n": p.applied_version_number}
        elif p.published:
            p.outcome = _("已随第 %(n)s 版发布") % {"n": p.version.number}
        else:
            p.outcome = _("已写入第 %(n)s 版草稿") % {"n": p.version.number}
    return proposals


def cases_of(case_ids):
    return list(Case.objects.filter(pk__in=case_ids).only("pk", "number", "title", "state", "township_id").order_by("pk"))
