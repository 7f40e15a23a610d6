"""Each automatic exemption rule of 尽职免责, alone and as the facts apply it."""

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from assessment import rules
from assessment.facts import refresh_cases
from assessment.models import CaseFact
from cases import services as case_services

T0 = datetime(2026, 6, 8, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def ev(action, hours, **data):
    return SimpleNamespace(action=action, created_at=T0 + timedelta(hours=hours), data=data)


def test_refused_unadmitted_exempts_the_case():
    assert rules.refused_unadmitted([ev("case.reported", 0), ev("case.refused_unadmitted", 1)]) == rules.EXEMPT_UNADMITTED
    assert rules.refused_unadmitted([ev("case.reported", 0), ev("case.returned", 1)]) == ""


def test_negative_list_spares_the_township():
    assert rules.township_negative_list(SimpleNamespace(item_kind="negative")) == rules.EXEMPT_NEGATIVE_LIST
    assert rules.township_negative_list(SimpleNamespace(item_kind="assisting")) == ""


def test_assisting_item_whose_lead_failed_spares_the_township():
    assisting = SimpleNamespace(item_kind="assisting")
    assert rules.township_lead_failed(assisting, lead_missed=True) == rules.EXEMPT_LEAD_FAILED
    assert rules.township_lead_failed(assisting, lead_missed=False) == ""
    assert rules.township_lead_failed(SimpleNamespace(item_kind="basic"), lead_missed=True) == ""


def test_paused_intervals_cover_requests_until_answered_or_now():
    events = [ev("case.info_requested", 1), ev("case.info_answered", 5), ev("case.info_requested", 10)]
    now = T0 + timedelta(hours=12)
    assert [(i.start, i.end) for i in rules.paused_intervals(events, now)] == [
        (T0 + timedelta(hours=1), T0 + timedelta(hours=5)), (T0 + timedelta(hours=10), now)]


def test_department_clock_starts_at_its_own_assignment():
    events = [ev("case.assigned", 1, lead_department=7), ev("case.reassigned", 30, from_department=7, to_department=9)]
    assert rules.department_clock_start(events, 9) == T0 + timedelta(hours=30)
    assert rules.department_clock_start(events, 7) == T0 + timedelta(hours=1)
    assert rules.department_clock_start(events, 11) is None


def test_township_held_time_is_feedback_and_answers_only():
    fact = SimpleNamespace(feedback_hours=3.0, info_answer_hours=2.5, triage_hours=40.0, response_hours=99.0)
    assert rules.township_held_hours(fact) == 5.5


@pytest.mark.django_db
def test_late_reassignment_and_negative_list_in_the_facts(org, lists, at, report_case):
    with at("2026-06-08 09:00"):
        case = report_case()
    with at("2026-06-08 09:30"):
        case = case_services.case_assign(case=case, actor=org.dispatcher, list_item=lists.negative,
                                         lead_department=org.dept_b)
    with at("2026-06-10 09:00"):  # two days later: dept's clock starts now, not at the report
        case = case_services.case_reassign(case=case, actor=org.dispatcher, lead_department=org.dept,
                                           reason="属市场监管职责")
    with at("2026-06-10 10:00"):
        case_services.case_claim(case=case, actor=org.officer)
    with at("2026-06-11 10:00"):
        refresh_cases([case.pk])
    lead = CaseFact.objects.get(case=case, body=org.dept)
    assert lead.role == "lead" and lead.response_hours == 1.0 and lead.claimed_on_time is True
    former = CaseFact.objects.get(case=case, body=org.dept_b)
    assert former.role == "former" and former.reassigned_away
    assert CaseFact.objects.get(case=case, role="township").exempt_code == rules.EXEMPT_NEGATIVE_LIST


@pytest.mark.django_db
def test_refused_unadmitted_event_exempts_every_body(org, lists, at, report_case):
    from cases.models import CaseEvent

    with at("2026-06-08 09:00"):
        case = report_case()
        case = case_services.case_assign(case=case, actor=org.dispatcher, list_item=lists.assisting)
        CaseEvent.objects.create(case=case, actor=org.officer, actor_name="陈静", actor_unit=org.dept,
                                 action="case.refused_unadmitted", reason="未经准入")
    with at("2026-06-30 10:00"):  # long past every deadline
        refresh_cases([case.pk])
    assert set(CaseFact.objects.filter(case=case).values_list("exempt_code", flat=True)) == {rules.EXEMPT_UNADMITTED}
