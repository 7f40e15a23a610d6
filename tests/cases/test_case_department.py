"""case_claim, case_decline, case_reassign, case_resolve: the responsible department's side."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.models import CaseState, Stage
from governance.models import Notification

pytestmark = pytest.mark.django_db


def test_officer_of_the_lead_department_claims_and_the_response_clock_stops(org, flow):
    case = flow.assigned()
    response_due = case.response_due_at
    case = services.case_claim(case=case, actor=org.officer)
    assert case.claimed_by == org.officer and case.claimed_at is not None
    assert case.stage == Stage.RESOLUTION and case.resolution_due_at == case.due_at
    assert case.response_due_at == response_due  # the response deadline stays for assessment
    assert case.events.last().action == "case.claimed"


@pytest.mark.parametrize("persona", ["reporter", "dispatcher", "officer_b", "supervisor", "dept_supervisor", "nobody"])
def test_others_may_not_claim(org, flow, persona):
    case = flow.assigned()
    with pytest.raises(CasePermissionDenied):
        services.case_claim(case=case, actor=getattr(org, persona))


def test_a_claimed_case_cannot_be_claimed_again(org, flow):
    case = flow.claimed()
    with pytest.raises(CaseConflict) as excinfo:
        services.case_claim(case=case, actor=org.officer_a2)
    assert "陈静" in str(excinfo.value.message)
    case.refresh_from_db()
    assert case.claimed_by == org.officer and case.events.filter(action="case.claimed").count() == 1


def test_decline_sends_the_case_back_to_triage_with_a_reason(org, lists, flow):
    case = services.case_assign(case=flow.reported(), actor=org.dispatcher, list_item=lists.assisting,
                                assisting_departments=[org.dept_b])
    case = services.case_decline(case=case, actor=org.officer, reason="油烟扰民属生态环境部门，见清单FM-020")
    assert case.state == CaseState.TRIAGED and case.lead_department is None and case.claimed_by is None
    assert case.assisting_departments.count() == 0 and case.stage == Stage.TRIAGE
    assert case.events.last().reason.startswith("油烟扰民")
    assert Notification.objects.filter(recipient=org.dispatcher, kind="case.declined").exists()
    with pytest.raises(ValidationError):
        services.case_decline(case=flow.assigned(), actor=org.officer, reason=" ")


def test_dispatcher_or_county_supervisor_reassigns_and_the_claim_is_cleared(org, flow):
    case = services.case_reassign(case=flow.claimed(), actor=org.dispatcher, lead_department=org.dept_b,
                                  reason="属综合执法")
    assert case.lead_department == org.dept_b and case.claimed_by is None and case.stage == Stage.RESPONSE
    assert case.events.last().action == "case.reassigned"
    assert Notification.objects.filter(recipient=org.officer_b, kind="case.assigned").exists()
    case = services.case_reassign(case=case, actor=org.supervisor, lead_department=org.dept, reason="改回")
    assert case.lead_department == org.dept


@pytest.mark.parametrize("persona", ["reporter", "officer", "officer_b", "dept_supervisor", "township_supervisor"])
def test_others_may_not_reassign(org, flow, persona):
    with pytest.raises(CasePermissionDenied):
        services.case_reassign(case=flow.assigned(), actor=getattr(org, persona), lead_department=org.dept_b,
                               reason="x")


def test_resolve_needs_a_claim_and_a_note_and_asks_the_township_for_feedback(org, flow, photo):
    with pytest.raises(CaseConflict):
        services.case_resolve(case=flow.assigned(), actor=org.officer, note="已处理")
    case = flow.claimed()
    with pytest.raises(ValidationError):
        services.case_resolve(case=case, actor=org.officer, note="")
    case = services.case_resolve(case=case, actor=org.officer_a2, note="已责令整改，加装油烟净化器", photos=[photo()])
    assert case.state == CaseState.RESOLVED and case.resolved_by == org.officer_a2
    assert case.stage == Stage.FEEDBACK and case.feedback_due_at == case.due_at
    assert case.attachments.filter(purpose="resolution").count() == 1
    assert Notification.objects.filter(recipient=org.reporter, kind="case.resolved").exists()


def test_officer_of_another_department_may_not_resolve(org, flow):
    with pytest.raises(CasePermissionDenied):
        services.case_resolve(case=flow.claimed(), actor=org.officer_b, note="x")
