"""The supervision page reads its order segment by segment (cases.selectors.supervision_segments) so that a
city's page is index-backed at a province's scale (issue 15). These tests hold it to the order supervisors
saw before: open cases first — flagged, then overdue, then reopened, then by deadline — finished ones after,
for every kind of case, on every page, in a fixed number of queries."""

from datetime import datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import selectors
from cases.models import OPEN_STATES, Case

pytestmark = pytest.mark.django_db

THURSDAY = datetime(2026, 3, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def an_ordinary_thursday(time_machine):
    time_machine.move_to(THURSDAY, tick=False)


def _order_before_issue_15(queryset, now):
    """The order as the supervision list wrote it before it was split into segments: the reference. One
    correction: an open case without a deadline is not overdue (deadlines.is_overdue); the old SQL left its
    "overdue" NULL, which PostgreSQL sorted before the overdue ones. The workflow never leaves an open case
    without a deadline, so no supervisor saw that."""
    is_open = ExpressionWrapper(Q(state__in=OPEN_STATES), output_field=BooleanField())
    late = ExpressionWrapper(Q(state__in=OPEN_STATES, due_at__isnull=False, due_at__lt=now, paused_at__isnull=True),
                             output_field=BooleanField())
    flagged = ExpressionWrapper(Q(state__in=OPEN_STATES, flagged_at__isnull=False), output_field=BooleanField())
    return list(
        queryset.annotate(open_first=is_open, is_late=late, is_flagged=flagged)
        .order_by("-open_first", "-is_flagged", "-is_late", "-reopen_count", F("due_at").asc(nulls_last=True),
                  "-created_at", "-id")
        .values_list("pk", flat=True)
    )


@pytest.fixture
def every_kind(org, flow):
    """Open cases in every combination of flagged, reopened, deadline (past, coming, none) and paused
    clock, and finished cases reopened or not, with a deadline or not; two of some, for the tie-breaks."""
    now = timezone.now()
    past, coming = now - timedelta(days=2), now + timedelta(days=2)
    made = []
    kinds = product([None, now - timedelta(days=1)], [0, 1, 2], [past, coming, None], [None, now - timedelta(hours=3)])
    for i, (flagged_at, reopen_count, due_at, paused_at) in enumerate(kinds):
        case = flow.reported(title=f"事项{i}")
        # Only the columns the order reads are set here (the workflow's own tests cover how they arise).
        Case.objects.filter(pk=case.pk).update(flagged_at=flagged_at, reopen_count=reopen_count, due_at=due_at,
                                               paused_at=paused_at if due_at else None,
                                               created_at=now - timedelta(hours=i % 5))
        made.append(case.pk)
    for reopen_count, due_at in product([0, 1], [None, past]):
        for _ in range(2):
            case = flow.closed(title="已结")
            Case.objects.filter(pk=case.pk).update(reopen_count=reopen_count, due_at=due_at)
            made.append(case.pk)
    return made


def test_every_case_falls_in_exactly_one_segment_and_its_case_expression_agrees(org, every_kind):
    now = timezone.now()
    segments = selectors.supervision_segments(now)
    numbered = dict(Case.objects.annotate(segment=selectors._supervision_segment_of(now)).values_list("pk", "segment"))
    for pk in every_kind:
        matching = [i for i, q in enumerate(segments) if Case.objects.filter(q, pk=pk).exists()]
        assert matching == [numbered[pk]], (pk, matching, numbered[pk])


def test_the_pages_keep_the_order_supervisors_saw_before(org, every_kind):
    now = timezone.now()
    expected = _order_before_issue_15(selectors.supervision_list(org.supervisor), now)
    assert len(expected) == len(every_kind)
    assert list(selectors.supervision_list(org.supervisor, now=now).values_list("pk", flat=True)) == expected
    paged, number = [], 1
    while True:
        page = selectors.supervision_page(selectors.supervision_list(org.supervisor), number, 7, now=now)
        paged += [case.pk for case in page.object_list]
        assert page.paginator.count == len(expected)
        if not page.has_next():
            break
        number += 1
    assert paged == expected
    open_ids = set(Case.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True))
    assert all(pk in open_ids for pk in paged[:len(open_ids)])  # open before finished


def test_a_filtered_page_keeps_the_order_and_the_access_check(org, every_kind):
    now = timezone.now()
    overdue = selectors.supervision_list(org.supervisor).filter(due_at__lt=now)
    page = selectors.supervision_page(overdue, 1, 50, now=now)
    assert [case.pk for case in page.object_list] == _order_before_issue_15(overdue, now)
    assert selectors.supervision_page(selectors.supervision_list(org.officer), 1, 20, now=now).paginator.count == 0


def test_every_page_costs_the_same_queries(org, every_kind):
    now = timezone.now()
    counts = []
    selectors.supervision_list(org.supervisor)  # the user's memberships are read once per user
    for number in (1, 3, 6):  # the first page, one across two segments, the finished cases
        with CaptureQueriesContext(connection) as ctx:
            page = selectors.supervision_page(selectors.supervision_list(org.supervisor), number, 9, now=now)
            list(page.object_list)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] == counts[2] <= 4, counts


def test_the_segments_are_read_through_their_indexes(org, every_kind):
    """No full sort of the supervisor's cases: each segment's page is read in its index's order."""
    now = timezone.now()
    base = selectors.supervision_list(org.supervisor).order_by()
    segments = selectors.supervision_segments(now)
    with connection.cursor() as cur:
        # A test database is small enough to scan and sort: once its few rows are ANALYZEd (autovacuum does it
        # during a long suite) sorting three rows is cheaper than any index. Turning the alternatives off asks
        # the question this test is about — does each segment have an index in its own order whose condition
        # the segment implies? — and a Sort in the plan still says no. The plans on a province's data are
        # bench/bench_province.py's (EXPLAIN ANALYZE).
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
            cur.execute(f"SET LOCAL {setting} = off")
        for number, index in [(3, "case_supervision_open"), (6, "case_supervision_open"),
                              (0, "case_supervision_open_rare"), (4, "case_supervision_open_rare"),
                              (8, "case_supervision_closed_rare")]:
            part = base.filter(segments[number]).order_by(*selectors.SUPERVISION_ORDER).values_list("pk")[:20]
            plan = part.explain()
            assert index in plan and "Sort" not in plan, (number, plan)
