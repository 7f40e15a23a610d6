"""Who must know of each transition is told, in-app (and by email), once; nobody else is.

One row per transition: the recipients expected beside the actor's own act. The lead department's
officers are p_officer and p_officer_a2 (县市场监管局); 综合执法局 is p_officer_b.
"""

import pytest
from django.urls import reverse

from cases import services
from cases.audit import CaseAction
from governance.models import Notification

pytestmark = pytest.mark.django_db


def told(case, kind=None):
    qs = Notification.objects.filter(subject=f"case:{case.pk}")
    if kind is not None:
        qs = qs.filter(kind=kind)
    return sorted(qs.values_list("recipient__username", flat=True))


def test_a_claim_tells_the_reporting_township_in_app_and_on_the_timeline(org, flow, client_for):
    case = flow.assigned()
    before = set(Notification.objects.values_list("pk", flat=True))
    services.case_claim(case=case, actor=org.officer)
    new = Notification.objects.exclude(pk__in=before)
    assert sorted(new.values_list("recipient__username", flat=True)) == ["p_reporter"]
    note = new.get()
    assert note.kind == CaseAction.CLAIMED and "县市场监管局" in note.title and "报到" in note.title
    assert note.url == reverse("cases:detail", args=[case.pk])
    # The township sees it in its notifications and on the case's timeline.
    client = client_for(org.reporter)
    assert "已签收（报到）" in client.get(reverse("notifications")).content.decode()
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "签收（报到）" in body[body.index("timeline-item"):]


def test_a_claim_does_not_tell_another_township(org, flow):
    case = services.case_claim(case=flow.assigned(), actor=org.officer)
    assert "p_reporter_b" not in told(case)


def test_a_withdrawal_tells_the_dispatchers_who_were_told_of_the_report(org, flow):
    case = flow.reported()
    assert told(case, CaseAction.REPORTED) == ["p_dispatcher"]
    services.case_withdraw(case=case, actor=org.reporter, reason="已自行解决。")
    assert told(case, CaseAction.WITHDRAWN) == ["p_dispatcher"]


def test_a_reassignment_tells_the_department_that_loses_the_case_and_the_one_that_gets_it(org, flow):
    case = flow.claimed()
    services.case_reassign(case=case, actor=org.dispatcher, lead_department=org.dept_b, reason="属执法局职责。")
    assert told(case, CaseAction.REASSIGNED) == ["p_officer", "p_officer_a2"]
    assert "p_officer_b" in told(case, CaseAction.ASSIGNED)


@pytest.mark.parametrize("step, kind, expected", [
    ("reported", CaseAction.REPORTED, ["p_dispatcher"]),
    ("assigned", CaseAction.ASSIGNED, ["p_officer", "p_officer_a2"]),
    ("claimed", CaseAction.CLAIMED, ["p_reporter"]),
    ("resolved", CaseAction.RESOLVED, ["p_reporter"]),
    ("closed", CaseAction.CLOSED, ["p_officer"]),
    ("returned", CaseAction.RETURNED, ["p_reporter"]),
    ("withdrawn", CaseAction.WITHDRAWN, ["p_dispatcher"]),
])
def test_each_step_of_the_main_path_tells_who_acts_next(flow, step, kind, expected):
    case = getattr(flow, step)()
    assert told(case, kind) == expected


def test_information_request_and_answer_tell_the_other_side(org, flow):
    case = services.case_request_info(case=flow.assigned(), actor=org.officer, question="请补充照片。")
    assert told(case, CaseAction.INFO_REQUESTED) == ["p_reporter"]
    services.case_answer_info(case=case, actor=org.reporter, answer="已补充。")
    assert told(case, CaseAction.INFO_ANSWERED) == ["p_officer"]


def test_decline_tells_the_dispatchers(org, flow):
    case = services.case_decline(case=flow.assigned(), actor=org.officer, reason="属执法局职责，见清单 FM-003。")
    assert told(case, CaseAction.DECLINED) == ["p_dispatcher"]
