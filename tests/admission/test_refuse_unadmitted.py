"""未经准入: a township refuses a returned case whose cited duty has no admission record and is not a legacy duty."""

import datetime

import pytest

from cases import services, workflow
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.models import Case, CaseEvent

# Frozen on a Wednesday (tests.admission.conftest.NOW): which list version is in force depends on the day.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def lists(org, frozen, township_list):
    """Version 2 of the county list, in force from 2026-11-01 (after the admission rules), adds JB-100
    without an admission record."""
    from responsibilities import services as list_services

    draft = list_services.list_draft_start(duty_list=township_list, actor=org.editor)
    list_services.list_item_add(version=draft, actor=org.editor, code="JB-100", kind="basic", category="governance",
                                title="电动自行车停放充电巡查", description="巡查楼道电动自行车充电")
    list_services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 11, 1))
    return draft


def _returned(org, lists, code):
    case = services.case_report(actor=org.reporter, township=org.township, title="楼道里给电动车充电",
                                description="三单元楼道私拉电线充电", address="城关街道南门社区3栋")
    return services.case_return(case=case, actor=org.dispatcher, list_item=lists.items.get(code=code),
                                reason="属乡镇基本履职事项")


def test_the_township_refuses_an_unadmitted_duty_and_the_case_goes_back_to_triage(org, lists):
    case = _returned(org, lists, "JB-100")
    assert "refuse_unadmitted" in workflow.available(org.reporter, case)
    services.case_refuse_unadmitted(case=case, actor=org.reporter, reason="该职责未经准入，也未随附人员经费")
    case = Case.objects.get(pk=case.pk)
    assert case.state == "triaged" and case.closed_at is None and case.due_at is not None
    event = CaseEvent.objects.get(case=case, action="case.refused_unadmitted")
    assert event.from_state == "returned" and event.data["list_item"] == "JB-100"
    assert event.actor_unit == org.township


def test_a_legacy_duty_cannot_be_refused_as_unadmitted(org, lists):
    case = _returned(org, lists, "JB-001")
    assert "refuse_unadmitted" not in workflow.available(org.reporter, case)
    with pytest.raises(CaseConflict):
        services.case_refuse_unadmitted(case=case, actor=org.reporter, reason="不想办")
    assert Case.objects.get(pk=case.pk).state == "returned"


def test_an_admitted_duty_cannot_be_refused(org, lists, township_list, time_machine):
    from responsibilities import services as list_services
    from tests.admission.conftest import draft_request, to_approved

    admitted = to_approved(org, draft_request(org))
    draft = township_list.versions.get(status="draft")
    list_services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 12, 10))
    # The admitted duty applies from the version's effective date (the version in force on the day).
    time_machine.move_to(datetime.datetime(2026, 12, 10, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
                         tick=False)
    case = _returned(org, draft, admitted.number)
    assert "refuse_unadmitted" not in workflow.available(org.reporter, case)
    with pytest.raises(CaseConflict):
        services.case_refuse_unadmitted(case=case, actor=org.reporter, reason="不想办")


def test_only_the_townships_reporters_may_refuse(org, lists):
    case = _returned(org, lists, "JB-100")
    for user in (org.reporter_b, org.dispatcher, org.officer):
        with pytest.raises(CasePermissionDenied):
            services.case_refuse_unadmitted(case=case, actor=user, reason="x")


def test_the_refusal_needs_a_reason(org, lists):
    from django.core.exceptions import ValidationError

    case = _returned(org, lists, "JB-100")
    with pytest.raises(ValidationError):
        services.case_refuse_unadmitted(case=case, actor=org.reporter, reason=" ")
    assert Case.objects.get(pk=case.pk).state == "returned"


def test_the_refusal_through_the_page_and_the_api(org, lists, client_for):
    case = _returned(org, lists, "JB-100")
    page = client_for(org.reporter).get(f"/cases/{case.pk}/")
    assert "未经准入，拒收" in page.content.decode()
    assert client_for(org.reporter_b).post(f"/cases/{case.pk}/refuse-unadmitted/", {"reason": "x"}).status_code == 404
    api = client_for(org.reporter).post(f"/api/v1/cases/{case.pk}/refuse-unadmitted/", {"reason": "未经准入"},
                                        content_type="application/json")
    assert api.status_code == 200, api.content
    assert api.json()["state"] == "triaged"
    again = client_for(org.reporter).post(f"/api/v1/cases/{case.pk}/refuse-unadmitted/", {"reason": "再次"},
                                          content_type="application/json")
    assert again.status_code == 409
