"""The pages of revision proposals: who sees what, POST-only actions, clear errors, the townships' view of the
status, the leadership page's follow-up and trend, the quarterly report (Excel, print) and a fixed query count."""

import datetime
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from insights import services
from insights.models import Detector, Finding, ProposalKind, ProposalState, RevisionProposal
from responsibilities.services import list_publish
from tests.insights.conftest import MARCH

pytestmark = pytest.mark.django_db


@pytest.fixture
def finding(org, lists, story):
    for _ in range(4):
        story.decline(story.reassign_to(story.decline(story.assigned()), org.dept_b), officer=org.officer_b)
    services.findings_compute(org.county, *MARCH)
    return Finding.objects.get(detector=Detector.WRONG_OWNER)


@pytest.fixture
def proposal(org, lists, finding):
    return services.proposal_submit(finding=finding, actor=org.officer, duty_list=lists.version.duty_list,
                                    kind=ProposalKind.CHANGE_DEPARTMENT, item_code="PH-010", reason="多次改派",
                                    values={"department": org.dept_b})


def fresh(proposal):
    return RevisionProposal.objects.get(pk=proposal.pk)


@pytest.mark.parametrize("name,status,form", [
    ("officer", 200, True), ("dept_supervisor", 200, True), ("editor", 200, True), ("supervisor", 200, False),
    ("city_supervisor", 200, False), ("officer_b", 404, False), ("reporter", 404, False), ("dispatcher", 404, False),
])
def test_the_finding_page_is_for_the_county_readers_and_the_departments_concerned(client_for, org, finding, name,
                                                                                  status, form):
    response = client_for(getattr(org, name)).get(reverse("insights:finding", args=[finding.pk]))
    assert response.status_code == status
    if status == 200:
        assert ("提交修订建议" in response.content.decode()) is form


def test_a_department_officer_proposes_from_the_finding_page(client_for, org, lists, finding):
    client = client_for(org.officer)
    url = reverse("insights:propose", args=[finding.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"duty_list": lists.version.duty_list.pk, "proposal_kind": "change_department",
                                 "item_code": "PH-010", "department": org.dept_b.pk, "reason": "四件案件均被改派"})
    proposal = RevisionProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("insights:proposal", args=[proposal.pk])
    assert proposal.proposer == org.officer and proposal.case_ids == finding.case_ids


def test_bad_input_on_the_form_is_a_clear_error_and_writes_nothing(client_for, org, lists, finding):
    client = client_for(org.officer)
    url = reverse("insights:propose", args=[finding.pk])
    response = client.post(url, {"duty_list": lists.version.duty_list.pk, "proposal_kind": "change_limits",
                                 "item_code": "PH-010", "resolution_days": "abc", "reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "修订理由" in page and "errorlist" in page
    response = client.post(url, {"duty_list": lists.version.duty_list.pk, "proposal_kind": "change_kind",
                                 "item_code": "NOPE-1", "kind": "basic", "reason": "理由"})
    assert response.status_code == 400 and "清单的现行版本中没有编码为 NOPE-1 的事项" in response.content.decode()
    response = client.post(url, {"duty_list": 999999, "proposal_kind": "change_kind", "reason": "理由"})
    assert response.status_code == 400
    assert not RevisionProposal.objects.exists()


def test_those_not_concerned_may_not_post_a_proposal(client_for, org, lists, finding):
    data = {"duty_list": lists.version.duty_list.pk, "proposal_kind": "change_department", "item_code": "PH-010",
            "department": org.dept_b.pk, "reason": "理由"}
    assert client_for(org.officer_b).post(reverse("insights:propose", args=[finding.pk]), data).status_code == 404
    assert client_for(org.supervisor).post(reverse("insights:propose", args=[finding.pk]), data).status_code == 403
    assert client_for(None).post(reverse("insights:propose", args=[finding.pk]), data).status_code == 302
    assert not RevisionProposal.objects.exists()


@pytest.mark.parametrize("name,status", [
    ("reporter", 200), ("township_supervisor", 200), ("officer", 200), ("editor", 200), ("supervisor", 200),
    ("reporter_b", 404), ("officer_b", 404), ("dispatcher", 404), ("nobody", 404),
])
def test_the_proposal_is_visible_to_the_townships_of_its_evidence_and_those_concerned(client_for, org, proposal,
                                                                                     name, status):
    response = client_for(getattr(org, name)).get(reverse("insights:proposal", args=[proposal.pk]))
    assert response.status_code == status
    listing = client_for(getattr(org, name)).get(reverse("insights:proposals"))
    if status == 200:
        assert proposal.number in response.content.decode() and "待审核" in response.content.decode()
        assert listing.status_code == 200 and proposal.number in listing.content.decode()
    else:
        assert listing.status_code == 403 or proposal.number not in listing.content.decode()


def test_review_and_apply_are_posts_for_an_editor_and_the_township_sees_the_outcome(client_for, org, lists,
                                                                                  proposal):
    accept = reverse("insights:accept", args=[proposal.pk])
    apply = reverse("insights:apply", args=[proposal.pk])
    assert client_for(org.editor).get(accept).status_code == 405
    assert client_for(org.officer).post(accept, {"reason": "我部门同意"}).status_code == 403
    assert client_for(org.dept_supervisor).post(accept).status_code == 403
    assert fresh(proposal).state == ProposalState.SUBMITTED
    editor = client_for(org.editor)
    page = editor.get(reverse("insights:proposal", args=[proposal.pk])).content.decode()
    assert "采纳" in page and "一键写入清单草稿" not in page
    assert editor.post(accept, {"reason": "同意"}).status_code == 302
    assert fresh(proposal).state == ProposalState.ACCEPTED
    assert client_for(org.officer).post(apply).status_code == 403
    assert editor.post(apply).status_code == 302
    assert fresh(proposal).state == ProposalState.APPLIED
    township = client_for(org.reporter).get(reverse("insights:proposal", args=[proposal.pk])).content.decode()
    assert "已写入第 2 版草稿" in township
    draft = lists.version.duty_list.versions.get(number=2)
    list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 4, 1))
    township = client_for(org.reporter).get(reverse("insights:proposals")).content.decode()
    assert "已随第 2 版发布" in township


def test_rejecting_without_a_reason_is_an_error_on_the_page(client_for, org, proposal):
    response = client_for(org.editor).post(reverse("insights:reject", args=[proposal.pk]), {"reason": ""})
    assert response.status_code == 400 and "不予采纳时须说明理由" in response.content.decode()
    assert fresh(proposal).state == ProposalState.SUBMITTED
    response = client_for(org.editor).post(reverse("insights:reject", args=[proposal.pk]), {"reason": "另行研究"},
                                           follow=True)
    assert "已决定不予采纳" in response.content.decode() and fresh(proposal).state == ProposalState.REJECTED
    response = client_for(org.editor).post(reverse("insights:accept", args=[proposal.pk]), follow=True)
    assert "不能再次审核" in response.content.decode() and fresh(proposal).state == ProposalState.REJECTED


def test_the_leadership_page_shows_proposals_follow_up_and_trend(client_for, org, lists, proposal):
    services.proposal_accept(proposal=proposal, actor=org.editor)
    _p, draft = services.proposal_apply(proposal=proposal, actor=org.editor)
    list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 4, 1))
    client = client_for(org.supervisor)
    march = client.get(reverse("insights:index") + "?month=2026-03").content.decode()
    assert proposal.number in march and "已随第 2 版发布" in march and "已据此修订清单" in march
    assert 'id="chart-ins-trend"' in march and "<td class=\"num\">2</td>" in march  # two findings in March
    april = client.get(reverse("insights:index") + "?month=2026-04").content.decode()
    assert "上期（2026-03）堵点的处理情况" in april
    assert "发现堵点 2 条，提出修订建议 1 条，已采纳 1 条，据此重新发布清单 1 次。" in april
    assert reverse("responsibilities:version", args=[lists.version.duty_list.code, 2]) in april


def test_the_quarterly_report_in_excel_and_print(client_for, org, proposal):
    client = client_for(org.supervisor)
    response = client.get(reverse("insights:report_export") + f"?county={org.county.pk}&quarter=2026-Q1")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == ["堵点", "修订建议", "趋势"]
    numbers = [row[0] for row in wb["修订建议"].iter_rows(min_row=2, values_only=True)]
    assert numbers == [proposal.number]
    findings = list(wb["堵点"].iter_rows(min_row=4, values_only=True))
    assert len(findings) == 2 and any(proposal.number in (row[8] or "") for row in findings)
    assert [row[0] for row in wb["趋势"].iter_rows(min_row=2, values_only=True)] == ["2026-01", "2026-02", "2026-03"]
    printed = client.get(reverse("insights:report_print") + "?quarter=2026-Q1").content.decode()
    assert "政策堵点季度报告（2026-Q1）" in printed and proposal.number in printed
    assert client.get(reverse("insights:report_export") + "?quarter=bad").status_code == 200  # this quarter instead
    for name in ("reporter", "officer", "dispatcher"):
        assert client_for(getattr(org, name)).get(reverse("insights:report_export")).status_code == 403
        assert client_for(getattr(org, name)).get(reverse("insights:report_print")).status_code == 403


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    import os
    if os.environ.get("SHOWQ"):
        print("\n".join(q["sql"][:150] for q in ctx.captured_queries))
    return len(ctx.captured_queries)


def test_the_leadership_page_has_a_fixed_query_count_whatever_the_data(client_for, org, lists, story, proposal):
    accepted = services.proposal_accept(proposal=proposal, actor=org.editor)
    _p, draft = services.proposal_apply(proposal=accepted, actor=org.editor)
    list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 4, 1))
    url = reverse("insights:index") + "?month=2026-03"
    small = _queries(client_for(org.supervisor), url)
    for _ in range(3):  # an impossible-deadline finding, more proposals, a published version, findings elsewhere
        story.extend(story.claim(story.assigned(), officer=org.officer))
    services.findings_compute(org.county, *MARCH)
    for finding in Finding.objects.all():
        services.proposal_submit(finding=finding, actor=org.editor, duty_list=lists.version.duty_list,
                                 kind=ProposalKind.CHANGE_LIMITS, item_code="PH-010", reason="时限过短",
                                 values={"resolution_days": 10})
    for other in RevisionProposal.objects.exclude(pk=proposal.pk)[:2]:
        services.proposal_apply(proposal=services.proposal_accept(proposal=other, actor=org.admin), actor=org.editor)
    services.findings_compute(org.county, datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))
    assert Finding.objects.count() == 3 and RevisionProposal.objects.count() == 4
    large = _queries(client_for(org.supervisor), url)  # signed in again: the story's clock moved past the session
    assert small == large, (small, large)
    assert large <= 15
