"""Every persona against every case action endpoint, compared with the HTML view for the same action.

For each action a case is brought to the state the action needs; each persona then tries the action with
valid input through the HTML form endpoint and through POST /api/v1/cases/{id}/{action}/, on two twin cases.
Outcomes are compared class by class: 404 (may not see it), 403 (sees it, no role), "acted" (a new audit
event), "refused" (HTML: redirected with a message and nothing written; API: 409), "login" (anonymous:
HTML redirects to the login page, the API answers 401).
"""

import pytest

from cases.models import CaseEvent
from tests.api.conftest import case_in_state

REASON = "经核查，该事项依据清单不属于本部门职责范围，请重新研判。"

# action -> (state the case must be in, valid input, personas expected to succeed)
ACTIONS = {
    "triage": ("reported", lambda d, o: {"note": "开始研判"}, {"dispatcher"}),
    "withdraw": ("reported", lambda d, o: {"reason": "重复上报"}, {"reporter"}),
    "assign": ("triaged", lambda d, o: {"list_item": d.assisting.pk, "note": "交办市场监管局"}, {"dispatcher"}),
    "return": ("triaged", lambda d, o: {"list_item": d.basic.pk, "reason": "属街道基本履职事项"}, {"dispatcher"}),
    "claim": ("assigned", lambda d, o: {}, {"officer", "officer_a2"}),
    "decline": ("assigned", lambda d, o: {"reason": REASON}, {"officer", "officer_a2"}),
    "reassign": ("assigned", lambda d, o: {"lead_department": o.dept_b.pk, "reason": "改由综合执法局牵头办理"},
                 {"dispatcher", "supervisor", "city_supervisor"}),
    "resolve": ("claimed", lambda d, o: {"note": "已责令下架，立案调查"}, {"officer", "officer_a2"}),
    "feedback": ("resolved", lambda d, o: {"rating": "satisfied", "comment": ""}, {"reporter"}),
    "request-info": ("triaged", lambda d, o: {"question": "请补充现场照片和摊位编号"}, {"dispatcher"}),
    "comment": ("assigned", lambda d, o: {"text": "已电话联系市场管理方"}, None),  # anyone who sees it
}


def _events(case):
    return CaseEvent.objects.filter(case=case).count()


def _html_outcome(response, acted):
    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return "login"
    return "acted" if acted else "refused"


def _api_outcome(response, acted):
    code = response.status_code
    if code == 401:
        return "login"
    if code in (403, 404):
        return str(code)
    if code == 200:
        assert acted, "the API answered 200 without an audit event"
        return "acted"
    if code == 409:
        assert not acted
        return "refused"
    return f"status {code}: {response.content[:200]!r}"


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_persona_gets_the_same_answer_from_the_api_as_from_the_html_page(action, org, duty, client_for, api_for):
    state, payload, expected_actors = ACTIONS[action]
    data = payload(duty, org)
    html_case, api_case = case_in_state(org, duty, state), case_in_state(org, duty, state)
    mismatches, acted_by = [], set()
    for name, user in org.personas().items():
        before_html, before_api = _events(html_case), _events(api_case)
        html = client_for(user).post(f"/cases/{html_case.pk}/{action}/", data)
        api = api_for(user).post(f"/api/v1/cases/{api_case.pk}/{action}/", data, format="json")
        html_result = _html_outcome(html, _events(html_case) > before_html)
        api_result = _api_outcome(api, _events(api_case) > before_api)
        if html_result != api_result:
            mismatches.append(f"{name}: html={html_result} api={api_result}")
        if api_result == "acted":
            acted_by.add(name)
            html_case, api_case = case_in_state(org, duty, state), case_in_state(org, duty, state)
    assert not mismatches, "\n".join(mismatches)
    if expected_actors is not None:
        assert acted_by == expected_actors
    else:
        assert acted_by  # comment: everyone who can see the case
        assert "nobody" not in acted_by and "reporter_b" not in acted_by and "officer_b" not in acted_by


def test_answer_info_matches_the_html_page_for_every_persona(org, duty, client_for, api_for):
    from cases import services

    def asked():
        case = case_in_state(org, duty, "triaged")
        return services.case_request_info(case=case, actor=org.dispatcher, question="请补充摊位编号")

    html_case, api_case = asked(), asked()
    acted_by, mismatches = set(), []
    for name, user in org.personas().items():
        before_html, before_api = _events(html_case), _events(api_case)
        html = client_for(user).post(f"/cases/{html_case.pk}/answer-info/", {"answer": "东门 3 号摊位"})
        api = api_for(user).post(f"/api/v1/cases/{api_case.pk}/answer-info/", {"answer": "东门 3 号摊位"}, format="json")
        html_result = _html_outcome(html, _events(html_case) > before_html)
        api_result = _api_outcome(api, _events(api_case) > before_api)
        if html_result != api_result:
            mismatches.append(f"{name}: html={html_result} api={api_result}")
        if api_result == "acted":
            acted_by.add(name)
            html_case, api_case = asked(), asked()
    assert not mismatches, "\n".join(mismatches)
    assert acted_by == {"reporter"}


def test_case_detail_and_list_visibility_match_the_html_page(org, duty, client_for, api_for):
    case = case_in_state(org, duty, "assigned")
    for name, user in org.personas().items():
        html = client_for(user).get(f"/cases/{case.pk}/")
        api = api_for(user).get(f"/api/v1/cases/{case.pk}/")
        if user is None:
            assert html.status_code == 302 and api.status_code == 401, name
            continue
        assert html.status_code == api.status_code, f"{name}: html={html.status_code} api={api.status_code}"
        listed = [c["id"] for c in api_for(user).get("/api/v1/cases/").json()["results"]]
        assert (case.pk in listed) == (api.status_code == 200), name
