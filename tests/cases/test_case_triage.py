"""case_triage, case_assign and case_return: the dispatch centre's decisions against the lists."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.models import CaseEvent, CaseState, Stage
from governance.models import Notification

pytestmark = pytest.mark.django_db

NOT_DISPATCHERS = ["reporter", "reporter_b", "officer", "officer_b", "supervisor", "dept_supervisor",
                   "township_supervisor", "editor", "admin", "nobody"]


def test_dispatcher_takes_a_report_up_without_resetting_its_clock(org, flow):
    case = flow.reported()
    due = case.due_at
    case = services.case_triage(case=case, actor=org.dispatcher, note="核实中")
    assert case.state == CaseState.TRIAGED and case.triaged_at is not None and case.due_at == due
    assert case.events.last().action == "case.triaged"


@pytest.mark.parametrize("persona", NOT_DISPATCHERS)
def test_only_the_countys_dispatcher_may_triage_assign_or_return(org, lists, flow, persona):
    case, actor = flow.reported(), getattr(org, persona)
    with pytest.raises(CasePermissionDenied):
        services.case_triage(case=case, actor=actor)
    with pytest.raises(CasePermissionDenied):
        services.case_assign(case=case, actor=actor, list_item=lists.assisting)
    with pytest.raises(CasePermissionDenied):
        services.case_return(case=case, actor=actor, list_item=lists.basic, reason="x")
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED


def test_assign_sets_item_lead_and_assisting_departments_and_starts_the_response_clock(org, lists, flow):
    case = services.case_assign(case=flow.triaged(), actor=org.dispatcher, list_item=lists.assisting,
                                assisting_departments=[org.dept_b], note="油烟属餐饮服务监管")
    assert case.state == CaseState.ASSIGNED
    assert case.list_item == lists.assisting and case.item_kind == "assisting"
    assert case.lead_department == org.dept and list(case.assisting_departments.all()) == [org.dept_b]
    assert case.stage == Stage.RESPONSE and case.response_due_at == case.due_at and case.assigned_at
    event = case.events.last()
    assert event.action == "case.assigned" and event.from_state == "triaged" and event.to_state == "assigned"
    assert event.data["lead_department"] == org.dept.pk and event.actor_unit == org.dispatch
    assert Notification.objects.filter(recipient=org.officer, kind="case.assigned").exists()
    assert Notification.objects.filter(recipient=org.officer_a2, kind="case.assigned").exists()
    assert Notification.objects.filter(recipient=org.officer_b, kind="case.assisting").exists()


def test_assign_directly_from_reported_and_lead_department_override(org, lists, flow):
    case = services.case_assign(case=flow.reported(), actor=org.dispatcher, list_item=lists.assisting,
                                lead_department=org.dept_b)
    assert case.lead_department == org.dept_b and case.triaged_at is not None


def test_a_basic_duty_cannot_be_assigned_to_a_department(org, lists, flow):
    case = flow.reported()
    with pytest.raises(ValidationError) as excinfo:
        services.case_assign(case=case, actor=org.dispatcher, list_item=lists.basic, lead_department=org.dept)
    assert "list_item" in excinfo.value.message_dict
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED and case.events.count() == 1


def test_return_cites_a_basic_duty_and_tells_the_township(org, lists, flow):
    case = services.case_return(case=flow.triaged(), actor=org.dispatcher, list_item=lists.basic,
                                reason="占道经营劝导属街道日常巡查职责")
    assert case.state == CaseState.RETURNED and case.list_item == lists.basic and case.due_at is None
    assert case.return_reason == "占道经营劝导属街道日常巡查职责"
    assert case.events.last().action == "case.returned"
    note = Notification.objects.get(recipient=org.reporter, kind="case.returned")
    assert "属本级职责" in note.title


def test_return_must_cite_a_basic_item_and_give_a_reason(org, lists, flow):
    case = flow.reported()
    with pytest.raises(ValidationError) as excinfo:
        services.case_return(case=case, actor=org.dispatcher, list_item=lists.negative, reason="")
    assert {"list_item", "reason"} <= set(excinfo.value.message_dict)


def test_a_closed_case_cannot_be_assigned_again(org, lists, flow):
    case = flow.returned()
    with pytest.raises(CaseConflict):
        services.case_assign(case=case, actor=org.dispatcher, list_item=lists.assisting)
    assert CaseEvent.objects.filter(case=case, action="case.assigned").count() == 0
