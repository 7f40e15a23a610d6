"""The visibility matrix: every persona × the case page, the lists, and every action.

A case a persona may not see is a 404 (its existence is not confirmed); a visible case whose action
the persona has no role for is a 403; only the right role succeeds; the anonymous visitor is sent to
sign in. No combination is a 500 and no refused action leaves an event.
"""

import pytest
from django.urls import reverse

from cases import services
from cases.models import CaseEvent
from cases.selectors import case_list_for_user

pytestmark = pytest.mark.django_db

PERSONAS = ["reporter", "reporter_b", "dispatcher", "officer", "officer_a2", "officer_b", "supervisor",
            "dept_supervisor", "township_supervisor", "city_supervisor", "editor", "admin", "nobody", "anonymous"]

# A case of 城关街道 led by 市场监管局.
SEES_CASE_A = {"reporter", "dispatcher", "officer", "officer_a2", "supervisor", "dept_supervisor",
               "township_supervisor", "city_supervisor"}
# Before assignment no department is involved yet: the department's people do not see it.
SEES_REPORTED = SEES_CASE_A - {"officer", "officer_a2", "dept_supervisor"}
# A case of 青石镇 led by 综合执法局.
SEES_CASE_B = {"reporter_b", "dispatcher", "officer_b", "supervisor", "city_supervisor"}


@pytest.fixture
def two_cases(org, lists, flow):
    a = flow.assigned()
    b = services.case_report(actor=org.reporter_b, township=org.township_b, title="青石河河道垃圾堆积",
                             description="桥下河道漂浮大量生活垃圾。", address="青石河大桥")
    b = services.case_assign(case=b, actor=org.dispatcher, list_item=lists.negative)
    return a, b


@pytest.mark.parametrize("persona", PERSONAS)
def test_case_page_visibility(org, two_cases, client_for, persona):
    a, b = two_cases
    client = client_for(getattr(org, persona))
    for case, seers in ((a, SEES_CASE_A), (b, SEES_CASE_B)):
        status = client.get(reverse("cases:detail", args=[case.pk])).status_code
        if persona == "anonymous":
            assert status == 302
        else:
            assert status == (200 if persona in seers else 404), (persona, case.title)


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_selector_matches_the_page_rules(org, two_cases, persona):
    a, b = two_cases
    visible = set(case_list_for_user(getattr(org, persona)).values_list("pk", flat=True))
    expected = {a.pk} if persona in SEES_CASE_A else set()
    expected |= {b.pk} if persona in SEES_CASE_B else set()
    assert visible == expected


def test_assisting_department_officers_and_leaders_see_the_case(org, lists, flow):
    case = services.case_assign(case=flow.reported(), actor=org.dispatcher, list_item=lists.negative,
                                assisting_departments=[org.dept])
    assert case.lead_department == org.dept_b
    for user in (org.officer, org.officer_a2, org.dept_supervisor):
        assert case_list_for_user(user).filter(pk=case.pk).exists()


# action -> (state the case must be in, allowed personas, form data)
ACTIONS = {
    "triage": ("reported", {"dispatcher"}, {}),
    "assign": ("reported", {"dispatcher"}, {"list_item": "assisting"}),
    "return": ("reported", {"dispatcher"}, {"list_item": "basic", "reason": "属本级"}),
    "withdraw": ("reported", {"reporter"}, {}),
    "claim": ("assigned", {"officer", "officer_a2"}, {}),
    "decline": ("assigned", {"officer", "officer_a2"}, {"reason": "不属本部门"}),
    "reassign": ("assigned", {"dispatcher", "supervisor", "city_supervisor"}, {"lead_department": "dept_b",
                                                                               "reason": "改派"}),
    "resolve": ("claimed", {"officer", "officer_a2"}, {"note": "已办结"}),
    "feedback": ("resolved", {"reporter"}, {"rating": "satisfied"}),
    "request_info": ("assigned", {"dispatcher", "officer", "officer_a2"}, {"question": "请补充"}),
    "answer_info": ("info", {"reporter"}, {"answer": "补充如下"}),
    "comment": ("assigned", SEES_CASE_A, {"text": "记录"}),
}


def _case_in(state, org, flow):
    if state == "info":
        return services.case_request_info(case=flow.assigned(), actor=org.dispatcher, question="位置？")
    return getattr(flow, state)()


def _data(raw, org, lists):
    refs = {"assisting": lists.assisting.pk, "basic": lists.basic.pk, "dept_b": org.dept_b.pk}
    return {k: refs.get(v, v) for k, v in raw.items()}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_action_matrix(org, lists, flow, client_for, action, persona):
    state, allowed, raw = ACTIONS[action]
    case = _case_in(state, org, flow)
    events_before = CaseEvent.objects.filter(case=case).count()
    response = client_for(getattr(org, persona)).post(reverse(f"cases:{action}", args=[case.pk]),
                                                      _data(raw, org, lists))
    events_after = CaseEvent.objects.filter(case=case).count()
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif persona in allowed:
        assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
        assert events_after == events_before + 1
        return
    elif persona in (SEES_REPORTED if state == "reported" else SEES_CASE_A):
        assert response.status_code == 403
    else:
        assert response.status_code == 404
    assert events_after == events_before
