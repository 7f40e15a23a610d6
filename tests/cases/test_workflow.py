"""cases.workflow is the one declaration of the case workflow: for every step × persona × state, the case page
offers the step exactly when the API lists it and exactly when its service accepts it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.urls import reverse

from cases import extensions, services, workflow
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.models import Case, ExtensionRequest
from governance.calendar import sync_calendar

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 10, tzinfo=SH)
PERSONAS = ["reporter", "reporter_b", "dispatcher", "officer", "officer_a2", "officer_b", "supervisor",
            "dept_supervisor", "township_supervisor", "city_supervisor", "editor", "nobody"]


def _overdue(case):
    from django.utils import timezone

    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    return case


def _states(org, flow):
    def claimed_info_pending():
        return services.case_request_info(case=flow.claimed(), actor=org.officer, question="请补充照片。")

    def claimed_overdue():
        return _overdue(flow.claimed())

    def paused_after_deadline():
        case = _overdue(flow.claimed())
        return services.case_request_info(case=Case.objects.get(pk=case.pk), actor=org.officer, question="请补充。")

    def extension_pending():
        case = flow.claimed()
        extensions.case_extension_request(case=case, actor=org.officer, reason="需等待检测报告。",
                                          requested_due_at=case.due_at + timedelta(days=5))
        return case

    return {
        "reported": flow.reported, "triaged": flow.triaged, "assigned": flow.assigned, "claimed": flow.claimed,
        "claimed_info_pending": claimed_info_pending, "claimed_overdue": claimed_overdue,
        "paused_after_deadline": paused_after_deadline, "extension_pending": extension_pending,
        "resolved": flow.resolved, "closed": flow.closed, "returned": flow.returned, "withdrawn": flow.withdrawn,
    }


def _sample(step, case, org, lists):
    """Valid input for each step (what the page form or API body would carry)."""
    pending = (ExtensionRequest.objects.filter(case=case, status="pending").first()
               or ExtensionRequest.objects.filter(case=case).order_by("-pk").first())
    return {
        "withdraw": {"reason": ""}, "triage": {"note": ""},
        "assign": {"list_item": lists.assisting, "lead_department": None, "assisting_departments": [], "note": ""},
        "return": {"list_item": lists.basic, "reason": "属街道日常巡查职责。"},
        "claim": {}, "decline": {"reason": "属执法局职责，见清单 FM-003。"},
        "reassign": {"lead_department": org.dept_b, "reason": "属执法局。", "list_item": None},
        "resolve": {"note": "已处理。"}, "feedback": {"rating": "satisfied", "comment": ""},
        "request_info": {"question": "请补充照片。"}, "answer_info": {"answer": "已补充。"},
        "extend": {"reason": "需检测。", "requested_due_at": (case.due_at or MONDAY) + timedelta(days=30)},
        "extension_decision": {"extension": pending.pk if pending else 0, "approve": False, "note": "时限充足。"},
        "urge": {"message": "请加快办理。"}, "comment": {"text": "已到现场。"},
        "refuse_unadmitted": {"reason": "该职责未经准入，也未随附人员经费。"},
    }[step]


@pytest.fixture
def api_for():
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make


class _Rollback(Exception):
    pass


def _service_accepts(step, case_pk, user, org, lists):
    case = Case.objects.select_related("township", "lead_department").get(pk=case_pk)
    if step == "extension_decision" and not ExtensionRequest.objects.filter(case=case).exists():
        return False  # nothing to decide: no request can be named
    try:
        with transaction.atomic():
            workflow.STEPS[step].service(case, user, _sample(step, case, org, lists))
            raise _Rollback
    except _Rollback:
        return True
    except (CasePermissionDenied, CaseConflict):
        return False


def _page_offers(client, case):
    response = client.get(reverse("cases:detail", args=[case.pk]))
    if response.status_code == 404:
        return set()
    assert response.status_code == 200
    body = response.content.decode()
    offered = set()
    pending = ExtensionRequest.objects.filter(case=case, status="pending").first()
    for name, step in workflow.STEPS.items():
        if name == "extension_decision":
            url = reverse(step.url_name, args=[pending.pk]) if pending else None
        else:
            url = reverse(step.url_name, args=[case.pk])
        if url and (f'action="{url}"' in body or f'href="{url}"' in body):
            offered.add(name)
    return offered


def _api_offers(api, case):
    response = api.get(f"/api/v1/cases/{case.pk}/")
    if response.status_code == 404:
        return set()
    assert response.status_code == 200
    by_api_name = {step.api_name: name for name, step in workflow.STEPS.items()}
    return {by_api_name[a] for a in response.json()["actions"]}


@pytest.mark.parametrize("state", [
    "reported", "triaged", "assigned", "claimed", "claimed_info_pending", "claimed_overdue", "paused_after_deadline",
    "extension_pending", "resolved", "closed", "returned", "withdrawn",
])
def test_page_api_and_service_agree_on_every_step_for_every_persona(state, org, flow, lists, client_for, api_for,
                                                                   time_machine):
    sync_calendar(years=[2026])
    time_machine.move_to(MONDAY, tick=False)
    case = _states(org, flow)[state]()
    case = Case.objects.get(pk=case.pk)
    disagreements, offered_to = [], {}
    for persona in PERSONAS:
        user = getattr(org, persona)
        page = _page_offers(client_for(user), case)
        api = _api_offers(api_for(user), case)
        service = {name for name in workflow.STEPS if _service_accepts(name, case.pk, user, org, lists)}
        declared = workflow.available(user, Case.objects.get(pk=case.pk))
        if not (page == api == service == declared):
            disagreements.append(f"{persona}: page={sorted(page)} api={sorted(api)} service={sorted(service)} "
                                 f"workflow={sorted(declared)}")
        offered_to[persona] = service
    assert not disagreements, "\n".join(disagreements)
    # Spot checks of the table itself.
    if state == "claimed":
        assert {"resolve", "decline", "extend", "request_info"} <= offered_to["officer"]
        assert "claim" not in offered_to["officer_a2"]
    if state in ("claimed_overdue", "paused_after_deadline"):
        assert "extend" not in offered_to["officer"], "the deadline has passed: no extension"
        assert "urge" in offered_to["supervisor"] or state == "paused_after_deadline"
    if state == "assigned":
        assert "claim" in offered_to["officer"] and "claim" in offered_to["officer_a2"]
        assert "reassign" in offered_to["dispatcher"] and "reassign" in offered_to["supervisor"]
    if state == "extension_pending":
        assert "extension_decision" in offered_to["dispatcher"] and "extend" not in offered_to["officer"]
    if state in ("closed", "withdrawn", "returned"):
        assert all(offered <= {"comment"} for offered in offered_to.values())
    assert "comment" not in offered_to["nobody"] and not offered_to["nobody"]


def test_api_action_endpoints_are_the_workflow_steps(org, api_for):
    """Every row has its endpoint and no endpoint exists without a row."""
    from cases.api import CaseViewSet

    endpoints = {a.url_path for a in CaseViewSet.get_extra_actions() if "post" in a.mapping}
    assert endpoints == {step.api_name for step in workflow.STEPS.values()}


def test_api_refuses_extend_on_an_overdue_case_as_the_page_hides_it(org, flow, api_for, time_machine):
    """The known disagreement: the API listed `extend` on an overdue case that the page hid and the service
    refused."""
    sync_calendar(years=[2026])
    time_machine.move_to(MONDAY, tick=False)
    case = _overdue(flow.claimed())
    api = api_for(org.officer)
    assert "extend" not in api.get(f"/api/v1/cases/{case.pk}/").json()["actions"]
    response = api.post(f"/api/v1/cases/{case.pk}/extend/", {
        "reason": "需检测。", "requested_due_at": (MONDAY + timedelta(days=30)).isoformat()}, format="json")
    assert response.status_code == 409
    assert not ExtensionRequest.objects.filter(case=case).exists()
