"""Reads for cases, with the access check built in. The HTML views and the API both use these.

Visibility rules (issue 4), one query for all of them (`_visibility_q`):
- township staff (reporters, township supervisors): their township's cases;
- officers: cases whose lead or assisting department is theirs;
- dispatchers: cases of townships in their dispatch centre's county;
- supervisors: cases whose township or lead/assisting department lies in their unit's subtree.
Anyone else sees nothing: a case outside this set is a 404, never a 403 that confirms it exists.
"""

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, F, Func, IntegerField, Q, Value, When
from django.db.models import Case as CaseWhen
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property

from cases import deadlines
from cases.models import OPEN_STATES, Case, CaseEvent, CaseState
from governance.models import Role, Unit, UnitKind
from governance.selectors import dispatch_area_path, dispatch_coverage_q, memberships_of

# Columns every list shows: one JOIN each, never a query per row.
LIST_RELATED = ("township", "lead_department", "list_item", "claimed_by")


# Which cases a rule reaches is a list of sources: (a column of the case, the ids it may hold), the ids
# either a list or a query of ids. `_cases_q` renders them as one condition:
# - on PostgreSQL, `column = ANY(ARRAY(SELECT …))` for each source, ORed: every subquery runs once (an
#   InitPlan) and the index scans combine with BitmapOr. An OR of joins and EXISTS made PostgreSQL read
#   every case (issue 15: 2.4 s for a department queue, 7–9 s for a county's supervision at 1M cases);
#   `id IN (part UNION ALL part)` still cost a hash and a lookup per case (90 ms per county at 2M).
# - elsewhere (SQLite, the embedded mode), `id IN (part UNION ALL part …)`.


def _subtree_sources(unit):
    """Cases whose township, lead department or an assisting department lies under `unit`."""
    units = Unit.objects.filter(path__startswith=unit.path).order_by().values("pk")
    assisted = Case.assisting_departments.through.objects.filter(unit__path__startswith=unit.path).values("case_id")
    return [("township_id", units), ("lead_department_id", units), ("pk", assisted)]


def _department_sources(dept_ids):
    """Cases one of these departments leads or assists."""
    assisted = Case.assisting_departments.through.objects.filter(unit_id__in=dept_ids).values("case_id")
    return [("lead_department_id", list(dept_ids)), ("pk", assisted)]


class _AnyOf(Func):
    """`column = ANY(ARRAY(subquery))` (PostgreSQL)."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def _cases_q(sources):
    if not sources:
        return Q(pk__in=[])
    if connection.vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery

        q = Q(pk__in=[])
        for column, ids in sources:
            q |= Q(**{f"{column}__in": ids}) if isinstance(ids, list) else Q(_AnyOf(F(column), ArraySubquery(ids)))
        return q
    parts = [
        ids.order_by() if column == "pk" and not isinstance(ids, list)
        else Case.objects.filter(**{f"{column}__in": ids}).order_by().values("pk")
        for column, ids in sources
    ]
    return Q(pk__in=parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True))


def _visibility_q(user, *, acting=False):
    """The cases the user may see; with acting=True, only through a role that may act on them (an
    assessor's reading does not count)."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    sources = []
    for m in memberships_of(user):
        unit = m.unit
        if m.role == Role.REPORTER:
            sources.append(("township_id", [unit.pk]))
        elif m.role == Role.OFFICER:
            sources += _department_sources([unit.pk])
        elif m.role == Role.DISPATCHER:
            area = dispatch_area_path(unit)
            if area:
                sources.append(("township_id", Unit.objects.filter(path__startswith=area).order_by().values("pk")))
        elif m.role == Role.SUPERVISOR or (m.role == Role.ASSESSOR and not acting):
            # An assessor reads (never acts on) the cases behind its subtree's figures, like a supervisor.
            sources += _subtree_sources(unit)
    return _cases_q(sources)


def visible_area_q(user):
    """Units (a Q on governance Unit) of the area whose cases the user reads: a reporter's township, an
    officer's county, a dispatcher's area, a supervisor's or assessor's subtree. For choices and pickers;
    which cases are visible stays `_visibility_q` (a department assisting another county's case sees that
    case, though that county is not in its area)."""
    q = Q(pk__in=[])
    for m in memberships_of(user):
        unit = m.unit
        if m.role == Role.REPORTER:
            q |= Q(pk=unit.pk)
        elif m.role == Role.OFFICER and unit.parent_id:
            parent_path = unit.path[: -len(f"{unit.pk}/")]
            q |= Q(path__startswith=parent_path)
        elif m.role == Role.DISPATCHER:
            area = dispatch_area_path(unit)
            if area:
                q |= Q(path__startswith=area)
        elif m.role in (Role.SUPERVISOR, Role.ASSESSOR):
            q |= Q(path__startswith=unit.path)
    return q


def case_list_for_user(user):
    """The cases this user may see (no ordering or related loading imposed)."""
    return Case.objects.filter(_visibility_q(user))


def case_visible_to(user, case):
    if getattr(case, "_visible_to_user_id", None) == getattr(user, "pk", None) is not None:
        return True  # this very object came from get_case_for_user(user, ...) in this request
    return case_list_for_user(user).filter(pk=case.pk).exists()


def case_actable_by(user, case):
    """Whether the user sees the case through a role that may act on it (write a note, for instance)."""
    return Case.objects.filter(_visibility_q(user, acting=True), pk=case.pk).exists()


def get_case_for_user(user, pk):
    """The one access helper for a single case (HTML and API). Raises Http404 when the user may not
    see it. Services lock the row themselves (cases.services._lock)."""
    qs = case_list_for_user(user).select_related(*LIST_RELATED, "reporter", "dispatch_centre", "resolved_by")
    try:
        case = get_object_or_404(qs, pk=pk)
    except (ValueError, TypeError):
        raise Http404
    case._visible_to_user_id = user.pk
    return case


def case_list(queryset):
    return queryset.select_related(*LIST_RELATED)


# The county search counts its matches exactly up to this many and beyond it says "more than 10000": a
# common word's matches among a county's hundred thousand cases are counted to the end otherwise, while
# nobody pages to the ten-thousandth case — they add conditions. The Excel export takes the same number
# (search.EXPORT_LIMIT). The supervision page counts exactly (supervision_page: its segments' sizes place
# every page; counting each segment under a LIMIT repeated the access scan per segment and cost more).
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A Paginator whose count stops at COUNT_CAP: `count` is at most the cap and `capped` says whether more
    rows exist, so the pages beyond the cap are not offered. The rows are counted by reading at most cap + 1
    of them (a LIMIT under the COUNT), which an index scan answers without visiting the rest."""

    cap = COUNT_CAP

    @cached_property
    def _counted(self):
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self):
        return min(self._counted, self.cap)

    @cached_property
    def capped(self):
        return self._counted > self.cap


def case_page(queryset, number, per_page, paginator=CappedPaginator):
    """A page of a long case list: the sort and the page's ids come from the case rows alone, then only the
    page's cases are read with their related rows (LIST_RELATED). Joining every related row before sorting
    made a city's supervision page and the county search take seconds at two million cases (issue 15).
    The ids passed the list's conditions (access included): the page's rows are read by id alone. The count
    stops at COUNT_CAP (CappedPaginator) unless another paginator is given."""
    return _read_page(paginator(queryset.values_list("pk", flat=True), per_page).get_page(number))


def _read_page(page):
    """The page's cases (ids in page.object_list) with their related rows, in the page's order."""
    ids = list(page.object_list)
    rows = {case.pk: case for case in case_list(Case.objects.filter(pk__in=ids))}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def township_cases(user):
    """'My township's cases' for township staff: those waiting for the township (a result to rate, a
    question to answer) first, then newest first."""
    from django.db.models import BooleanField, ExpressionWrapper

    township_ids = [m.unit_id for m in memberships_of(user) if m.role in (Role.REPORTER, Role.SUPERVISOR)
                    and m.unit.is_township]
    waiting = ExpressionWrapper(
        Q(state=CaseState.RESOLVED) | Q(state__in=OPEN_STATES, info_requested_at__isnull=False),
        output_field=BooleanField(),
    )
    return (
        case_list(Case.objects.filter(township_id__in=township_ids))
        .annotate(waits_for_township=waiting)
        .order_by("-waits_for_township", "-created_at", "-id")
    )


def dispatch_units_of(user):
    return [m.unit for m in memberships_of(user) if m.role == Role.DISPATCHER and m.unit.kind == UnitKind.DISPATCH]


def triage_queue(user):
    """New and triaged cases of the dispatcher's county, oldest first (first come, first served)."""
    q = dispatch_coverage_q(dispatch_units_of(user))
    return case_list(Case.objects.filter(q, state__in=[CaseState.REPORTED, CaseState.TRIAGED])).order_by(
        "created_at", "id"
    )


def officer_departments(user):
    return [m.unit for m in memberships_of(user) if m.role == Role.OFFICER]


def department_queue(user):
    """Assigned cases where one of the officer's departments leads or assists: unclaimed first, then by
    deadline (nearest first)."""
    dept_ids = [u.pk for u in officer_departments(user)]
    qs = Case.objects.filter(_cases_q(_department_sources(dept_ids)), state=CaseState.ASSIGNED)
    return case_list(qs).order_by(F("claimed_at").asc(nulls_first=True), F("due_at").asc(nulls_last=True), "id")


def supervision_segments(now):
    """The supervision order (open cases first: flagged, then overdue, then reopened, then by deadline;
    finished cases after them) as consecutive segments: every case falls in exactly one, the segments
    follow each other in this order, and inside each one the order is SUPERVISION_ORDER. Split so, each
    big segment is one range of a partial index already in that order (Case.Meta: case_supervision_open,
    created_at for finished cases) and each small one is found through a small partial index
    (case_supervision_open_rare, case_supervision_closed_rare): a city's page reads a page's rows, not its
    two hundred thousand cases sorted on computed keys (issue 15). "Overdue" is deadlines.overdue_q."""
    is_open = Q(state__in=OPEN_STATES)
    flagged, unflagged = Q(flagged_at__isnull=False), Q(flagged_at__isnull=True)
    late = deadlines.overdue_q(now)
    reopened, first_time = Q(reopen_count__gt=0), Q(reopen_count=0)
    return [
        is_open & flagged & late,
        is_open & flagged & ~late,
        is_open & unflagged & late & reopened,
        is_open & unflagged & late & first_time,
        is_open & unflagged & ~late & reopened,
        # Not overdue, never reopened: a paused clock past its deadline, then deadlines to come, then none.
        is_open & unflagged & first_time & Q(paused_at__isnull=False, due_at__lt=now),
        is_open & unflagged & first_time & Q(due_at__gte=now),
        is_open & unflagged & first_time & Q(due_at__isnull=True),
        ~is_open & (reopened | Q(due_at__isnull=False)),
        ~is_open & first_time & Q(due_at__isnull=True),
    ]


SUPERVISION_ORDER = ("-reopen_count", F("due_at").asc(nulls_last=True), "-created_at", "-id")


def _supervision_segment_of(now):
    """The number of a case's segment (supervision_segments) as one cheap SQL CASE: the same segments
    written as a decision list (each test assumes the earlier ones failed), so counting a city's cases by
    segment costs about what counting them does. tests/cases/test_supervision_order.py holds the two
    forms to the same answer for every kind of case."""
    late = Q(due_at__lt=now, paused_at__isnull=True)
    flagged, reopened = Q(flagged_at__isnull=False), Q(reopen_count__gt=0)
    open_case = CaseWhen(
        When(flagged & late, then=Value(0)), When(flagged, then=Value(1)), When(late & reopened, then=Value(2)),
        When(late, then=Value(3)), When(reopened, then=Value(4)), When(due_at__isnull=True, then=Value(7)),
        When(due_at__gte=now, then=Value(6)), default=Value(5), output_field=IntegerField(),
    )
    return CaseWhen(When(state__in=OPEN_STATES, then=open_case), When(reopened | Q(due_at__isnull=False), then=Value(8)),
                    default=Value(9), output_field=IntegerField())


def supervision_list(user, now=None):
    """Everything under the supervisor's units, in the supervision order (supervision_segments): open
    cases first — flagged (reopened twice), then overdue, then reopened, then by deadline — and finished
    cases after them. The page reads it through supervision_page."""
    from django.utils import timezone

    units = [m.unit for m in memberships_of(user) if m.role == Role.SUPERVISOR]
    if not units:
        return Case.objects.none()
    q = _cases_q([source for unit in units for source in _subtree_sources(unit)])
    return case_list(Case.objects.filter(q)).order_by(
        _supervision_segment_of(now or timezone.now()), *SUPERVISION_ORDER
    )


class _SegmentedIds:
    """The ids of `queryset` in the supervision order, for a Paginator: count() is one query (how many
    rows fall in each segment), a slice is one more (each segment the page overlaps, read in its own
    order through its index, joined by UNION ALL)."""

    def __init__(self, queryset, now):
        self.queryset = queryset.order_by()
        self.segments = supervision_segments(now)
        self.segment_of = _supervision_segment_of(now)
        self._sizes = None

    def sizes(self):
        if self._sizes is None:
            from django.db.models import Count

            rows = self.queryset.annotate(segment=self.segment_of).values("segment").annotate(n=Count("pk"))
            found = {row["segment"]: row["n"] for row in rows.order_by()}
            self._sizes = [found.get(i, 0) for i in range(len(self.segments))]
        return self._sizes

    def count(self):
        return sum(self.sizes())

    def __len__(self):
        return self.count()

    def __getitem__(self, window):
        start, stop = window.start or 0, window.stop
        parts, first = [], 0
        for i, (q, size) in enumerate(zip(self.segments, self.sizes(), strict=True)):
            lo, hi = max(start, first), min(stop, first + size)
            if lo < hi:
                parts.append(
                    self.queryset.filter(q).order_by(*SUPERVISION_ORDER)
                    .annotate(segment=Value(i, output_field=IntegerField()))
                    .values_list("segment", "reopen_count", "due_at", "created_at", "pk")[lo - first:hi - first]
                )
            first += size
        if not parts:
            return []
        rows = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
        # UNION ALL promises no order: the parts' rows are put back in order here (at most a page of them).
        return [row[-1] for row in sorted(rows, key=_supervision_key)]


def _supervision_key(row):
    """SUPERVISION_ORDER, after the segment, of a (segment, reopen_count, due_at, created_at, pk) row."""
    segment, reopen_count, due_at, created_at, pk = row
    return (segment, -reopen_count, due_at is None, due_at.timestamp() if due_at else 0, -created_at.timestamp(),
            -pk)


def supervision_page(queryset, number, per_page, now=None):
    """A page of the supervision list (`queryset`: supervision_list, filtered) in its order, read segment
    by segment (supervision_segments) on PostgreSQL; elsewhere (SQLite, the embedded mode) by case_page."""
    from django.utils import timezone

    if connection.vendor != "postgresql":
        return case_page(queryset, number, per_page, paginator=Paginator)
    return _read_page(Paginator(_SegmentedIds(queryset, now or timezone.now()), per_page).get_page(number))


def case_events(case):
    return CaseEvent.objects.filter(case=case).select_related("actor", "actor_unit").order_by("created_at", "id")


def case_attachments(case):
    return list(case.attachments.all())


def routing_for_case(case):
    """The routing service's answer for a case (its title, then its description), for the dispatcher."""
    from routing.services import suggest

    return suggest(f"{case.title}\n{case.description}", township=case.township, limit_items=8)


def departments_for_assignment(case):
    """Departments a dispatcher may choose: the departments of the township's county."""
    county_ids = case.township.ancestor_ids()
    return Unit.objects.filter(kind=UnitKind.DEPARTMENT, parent_id__in=county_ids, is_active=True).order_by(
        "sort_order", "code"
    )


def items_for_case(case):
    """All published items that apply to the case's township (for the assign/return forms)."""
    from responsibilities.models import ListItem
    from responsibilities.selectors import published_versions_for_unit

    return ListItem.objects.filter(version__in=published_versions_for_unit(case.township)).select_related(
        "department"
    ).order_by("kind", "position", "code")


def item_is_ours(query, township, *, limit=5):
    """'Is this ours?' for the report form: the routing service's answer for the township."""
    from routing.services import suggest

    return {"suggestion": suggest(query or "", township=township, limit_items=limit)}


def attachment_get_for_user(user, case_pk, attachment_pk):
    """A case's photo, after the same access check as the case page (HTML and API alike); 404 otherwise."""
    from django.http import Http404

    from cases.models import Attachment

    case = get_case_for_user(user, case_pk)
    attachment = Attachment.objects.filter(case=case, pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    return attachment


# --- 可能已有人上报: possible duplicates while the clerk types (issue 14) ----------------------------------

DUPLICATE_DAYS = 14  # reported within the last two weeks
DUPLICATE_METRES = 300  # and, where both have coordinates, this close
DUPLICATE_MIN_SHARED = 2  # distinct shared words (routing.text.tokenize) ...
DUPLICATE_MIN_OVERLAP = 0.4  # ... covering this share of the shorter text's words
DUPLICATE_CANDIDATES = 200  # newest cases of the township read per keystroke (a township reports a few a day)


def _metres_between(lat1, lon1, lat2, lon2):
    """Great-circle distance (haversine, mean Earth radius): plenty for a 300 m rule."""
    import math

    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(min(1.0, a)))


def possible_duplicates(user, *, township, text, latitude=None, longitude=None, limit=5):
    """Cases this user may see (`case_list_for_user`) of the same township, reported in the last
    DUPLICATE_DAYS days (withdrawn ones aside), whose words (routing.text.tokenize, the one tokenizer) are like
    `text`: at least DUPLICATE_MIN_SHARED distinct shared words making up DUPLICATE_MIN_OVERLAP of the shorter
    side's words. Where the case and the new report both have coordinates they must lie within DUPLICATE_METRES;
    without coordinates the words decide. Most shared words first, then newest. Each case carries
    `shared_words` and `distance_m` (None without coordinates). Used by the report form (cases.views)."""
    from datetime import timedelta

    from django.utils import timezone

    from routing.text import tokenize

    query = set(tokenize((text or "")[:1000]))
    if township is None or len(query) < DUPLICATE_MIN_SHARED:
        return []
    since = timezone.now() - timedelta(days=DUPLICATE_DAYS)
    candidates = (
        case_list_for_user(user)
        .filter(township_id=township.pk, created_at__gte=since)
        .exclude(state=CaseState.WITHDRAWN)
        .only("id", "number", "title", "description", "address", "latitude", "longitude", "state", "created_at",
              "township_id")
        .order_by("-created_at", "-id")[:DUPLICATE_CANDIDATES]
    )
    here = (latitude, longitude) if latitude is not None and longitude is not None else None
    found = []
    for case in candidates:
        words = tokenize(f"{case.title}\n{case.description}")
        shared = query & set(words)
        if len(shared) < DUPLICATE_MIN_SHARED or len(shared) < DUPLICATE_MIN_OVERLAP * min(len(query), len(set(words))):
            continue
        case.distance_m = None
        if here and case.latitude is not None and case.longitude is not None:
            case.distance_m = _metres_between(here[0], here[1], case.latitude, case.longitude)
            if case.distance_m > DUPLICATE_METRES:
                continue
        case.shared_words = [w for w in dict.fromkeys(words) if w in shared]
        found.append(case)
    found.sort(key=lambda c: (-len(c.shared_words), -c.created_at.timestamp(), -c.pk))
    return found[:limit]
