"""case_feedback: satisfied closes; unsatisfied reopens to the same department; twice goes to the supervisors."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.models import CaseState, Stage
from governance.models import Notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rating", ["satisfied", "basic"])
def test_satisfied_or_basically_satisfied_closes_the_case(org, flow, rating):
    case = services.case_feedback(case=flow.resolved(), actor=org.reporter, rating=rating, comment="好")
    assert case.state == CaseState.CLOSED and case.rating == rating and case.closed_at and case.due_at is None
    assert case.events.last().action == "case.closed"


def test_unsatisfied_reopens_to_the_same_department_and_needs_a_reason(org, flow):
    case = flow.resolved()
    with pytest.raises(ValidationError):
        services.case_feedback(case=case, actor=org.reporter, rating="unsatisfied", comment="")
    case = services.case_feedback(case=case, actor=org.reporter, rating="unsatisfied", comment="油烟仍然很大")
    assert case.state == CaseState.ASSIGNED and case.lead_department == org.dept and case.reopen_count == 1
    assert case.claimed_by == org.officer and case.stage == Stage.RESOLUTION and case.flagged_at is None
    assert case.events.last().action == "case.reopened"
    assert Notification.objects.filter(recipient=org.officer, kind="case.reopened").exists()


def test_a_case_reopened_twice_is_flagged_and_the_supervisors_are_alerted(org, flow):
    case = flow.resolved()
    for n in (1, 2):
        case = services.case_feedback(case=case, actor=org.reporter, rating="unsatisfied", comment=f"第{n}次不满意")
        if n == 1:
            case = services.case_resolve(case=case, actor=org.officer, note="再次整改")
    assert case.reopen_count == 2 and case.flagged_at is not None
    flagged = case.events.get(action="case.flagged")
    assert flagged.actor.username == "system" and flagged.actor_name == "系统"
    assert Notification.objects.filter(recipient=org.supervisor, kind="case.flagged").exists()
    assert Notification.objects.filter(recipient=org.dept_supervisor, kind="case.flagged").exists()


@pytest.mark.parametrize("persona", ["reporter_b", "dispatcher", "officer", "supervisor", "nobody"])
def test_only_the_reporting_township_gives_feedback(org, flow, persona):
    with pytest.raises(CasePermissionDenied):
        services.case_feedback(case=flow.resolved(), actor=getattr(org, persona), rating="satisfied")


def test_feedback_before_resolution_is_a_conflict(org, flow):
    with pytest.raises(CaseConflict):
        services.case_feedback(case=flow.claimed(), actor=org.reporter, rating="satisfied")
