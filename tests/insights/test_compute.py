"""findings_compute is idempotent and the daily task computes the current month of every county."""

import pytest

from insights.models import Finding
from insights.services import findings_compute, month_of
from insights.tasks import compute_current_month
from tests.insights.conftest import MARCH

pytestmark = pytest.mark.django_db


def disputed_history(org, story, n=3):
    for _ in range(n):
        story.decline(story.reassign_to(story.decline(story.assigned()), org.dept_b), officer=org.officer_b)


def test_computing_twice_gives_the_same_findings(org, lists, story):
    disputed_history(org, story)
    first = findings_compute(org.county, *MARCH)
    assert {f.detector for f in first} == {"disputed_item", "wrong_owner"}
    again = findings_compute(org.county, *MARCH)
    assert [f.pk for f in again] == [f.pk for f in first]
    assert Finding.objects.count() == 2
    assert [f.weight for f in again] == sorted((f.weight for f in again), reverse=True)


def test_a_finding_that_no_longer_holds_is_removed_and_other_periods_are_untouched(org, lists, story):
    disputed_history(org, story)
    findings_compute(org.county, *MARCH)
    february = findings_compute(org.county, *month_of(MARCH[0].replace(month=2)))
    assert february == []
    assert findings_compute(org.county, *MARCH, limits={"min_cases": 10, "wrong_owner_cases": 10}) == []
    assert not Finding.objects.exists()


def test_the_daily_task_computes_this_month_for_every_county(org, lists, story, settings):
    disputed_history(org, story)
    assert "insights.tasks.compute_current_month" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert compute_current_month() == 2
    assert compute_current_month() == 2
    assert set(Finding.objects.values_list("county", "period_start", "period_end")) == {(org.county.pk, *MARCH)}


def test_month_of_wraps_the_year():
    from datetime import date

    assert month_of(date(2026, 12, 31)) == (date(2026, 12, 1), date(2027, 1, 1))
