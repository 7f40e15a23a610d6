"""seed_demo's cases: about 40, every state, some overdue, created through the services; idempotent."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseState

pytestmark = pytest.mark.django_db


SH = ZoneInfo("Asia/Shanghai")


# `make run` seeds on whatever day it is run, and its deadline sweep must have overdue work to show:
# an ordinary Thursday, the middle of the National Day holiday and the first working day after it.
@pytest.mark.parametrize("today", [datetime(2026, 3, 5, 10, tzinfo=SH), datetime(2026, 10, 5, 10, tzinfo=SH),
                                   datetime(2026, 10, 8, 9, 30, tzinfo=SH)], ids=["thursday", "holiday", "after"])
def test_demo_cases_cover_every_state_and_a_second_run_adds_nothing(media_root, time_machine, today):
    time_machine.move_to(today, tick=False)
    from cases import demo as cases_demo
    from governance import demo as governance_demo
    from responsibilities import demo as lists_demo

    governance_demo.seed()
    lists_demo.seed()
    cases_demo.seed()
    count = Case.objects.count()
    assert 35 <= count <= 45
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)
    late = Case.objects.filter(due_at__lt=timezone.now(), paused_at__isnull=True)
    assert late.filter(state__in=["reported", "triaged"]).exists()  # the triage queue shows overdue work
    assert late.filter(state="assigned").exists()
    assert Case.objects.filter(flagged_at__isnull=False).exists()
    assert Case.objects.filter(channel="resident").exclude(resident_phone="").exists()
    # Every case has its report event first, and its events are in time order.
    for case in Case.objects.all():
        times = list(case.events.values_list("created_at", flat=True))
        assert times == sorted(times) and case.events.first().action == "case.reported"
    events = CaseEvent.objects.count()
    cases_demo.seed()
    assert Case.objects.count() == count and CaseEvent.objects.count() == events
