"""The daily rollup is idempotent: running a day twice leaves the same facts; the watermark catches new events."""

from datetime import date

import pytest

from assessment import tasks
from assessment.facts import refresh_county
from assessment.models import CaseFact, RollupWatermark
from cases import services as case_services

pytestmark = pytest.mark.django_db

COLUMNS = ["case_id", "body_id", "role", "claimed", "claimed_on_time", "resolved", "missed", "exempt_code",
           "response_hours"]


def _rows():
    return sorted(CaseFact.objects.values_list(*COLUMNS))


def test_rollup_of_a_day_twice_gives_the_same_rows(org, lists, at, report_case):
    with at("2026-06-08 09:00"):
        a = report_case()
        b = report_case("另一件")
        a = case_services.case_assign(case=a, actor=org.dispatcher, list_item=lists.assisting)
    with at("2026-06-08 11:00"):
        case_services.case_claim(case=a, actor=org.officer)
    with at("2026-06-09 10:00"):
        CaseFact.objects.all().delete()
        tasks.rollup_day("2026-06-08")
        first = _rows()
        tasks.rollup_day("2026-06-08")
        assert _rows() == first
    assert {r[0] for r in first} == {a.pk, b.pk}
    assert len(first) == 3  # a: township + lead; b: township


def test_watermark_recomputes_only_cases_with_new_events(org, lists, at, report_case):
    with at("2026-06-08 09:00"):
        a = report_case()
        assert refresh_county(org.county) == 1
        assert refresh_county(org.county) == 0
        case_services.case_assign(case=a, actor=org.dispatcher, list_item=lists.assisting)
        assert refresh_county(org.county) == 1
    assert CaseFact.objects.filter(case=a, role="lead", body=org.dept).exists()
    assert RollupWatermark.objects.get(county=org.county).last_event_id > 0
    assert date(2026, 6, 8) == CaseFact.objects.get(case=a, role="township").day


def test_watermark_counts_a_case_with_several_new_events_once(org, lists, at, report_case):
    with at("2026-06-08 09:00"):
        a = report_case()
        b = report_case("另一件")
        assert refresh_county(org.county) == 2
        a = case_services.case_assign(case=a, actor=org.dispatcher, list_item=lists.assisting)
        case_services.case_claim(case=a, actor=org.officer)
        # Two events of one case since the watermark: one case to recompute (CaseEvent's default ordering,
        # created_at and id, must not join the query's grouping, or each event comes back as a case).
        assert refresh_county(org.county) == 1
    assert CaseFact.objects.filter(case=a, role="lead", claimed=True).exists()
    assert CaseFact.objects.filter(case=b, role="township").exists()


def test_the_hourly_rollup_moves_the_watermarks_past_what_it_recomputed(org, lists, at, report_case):
    """An assessor's first visit of the day finds the facts already up to date: the hourly task's
    recomputation of yesterday and today moves the county's watermark, unless older events are pending."""
    with at("2026-06-08 09:00"):
        a = report_case()
        assert refresh_county(org.county) == 1  # the page's catch-up; the watermark is at a's report
    with at("2026-06-10 10:00"):
        a = case_services.case_assign(case=a, actor=org.dispatcher, list_item=lists.assisting)
    with at("2026-06-11 11:00"):
        case_services.case_claim(case=a, actor=org.officer)
        tasks.rollup_recent_days()  # 10 and 11 June: a's assign and claim
        # Both events were recomputed by the rollup: the page has nothing left to do.
        assert refresh_county(org.county) == 0
    assert CaseFact.objects.filter(case=a, role="lead", body=org.dept, claimed=True).exists()

    with at("2026-06-11 12:00"):
        b = report_case("另一件")
    mark = RollupWatermark.objects.get(county=org.county)
    RollupWatermark.objects.filter(pk=mark.pk).update(last_event_id=0)  # a county whose page was never opened
    with at("2026-06-11 13:00"):
        tasks.rollup_recent_days()
        # Its events since 8 June are older than yesterday: the watermark stays and the page recomputes them.
        assert RollupWatermark.objects.get(county=org.county).last_event_id == 0
        assert refresh_county(org.county) == 2
    assert CaseFact.objects.filter(case=b, role="township").exists()
