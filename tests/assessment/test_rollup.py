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
