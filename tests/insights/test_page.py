"""The findings page: who may read it, and what a supervisor sees (stored findings, heaviest first)."""

import pytest
from django.urls import reverse

from insights.services import findings_compute
from tests.insights.conftest import MARCH

pytestmark = pytest.mark.django_db
URL = reverse("insights:index") + "?month=2026-03"


def test_anonymous_visitors_are_sent_to_sign_in(client_for, org):
    response = client_for(None).get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("name", ["reporter", "officer", "dept_supervisor", "township_supervisor", "dispatcher"])
def test_townships_departments_and_dispatchers_may_not_read_it(client_for, org, name):
    assert client_for(getattr(org, name)).get(URL).status_code == 403


def test_a_supervisor_sees_the_findings_heaviest_first_with_their_cases(client_for, org, lists, story):
    disputed = []
    for _ in range(4):
        case = story.decline(story.reassign_to(story.decline(story.assigned()), org.dept_b), officer=org.officer_b)
        disputed.append(case)
    findings = findings_compute(org.county, *MARCH)
    assert [f.detector for f in findings] == ["disputed_item", "wrong_owner"]
    for name in ("supervisor", "editor", "city_supervisor"):
        response = client_for(getattr(org, name)).get(URL)
        assert response.status_code == 200, name
        page = response.content.decode()
        assert page.index("职责归属不清") < page.index("牵头部门可能有误")
        for case in disputed:
            assert reverse("cases:detail", args=[case.pk]) in page and case.number in page
    other_month = client_for(org.supervisor).get(reverse("insights:index") + "?month=2026-02").content.decode()
    assert "本期没有发现堵点。" in other_month


@pytest.mark.parametrize("name,shown", [("supervisor", True), ("editor", True), ("city_supervisor", True),
                                        ("dept_supervisor", False), ("township_supervisor", False), ("reporter", False)])
def test_the_tile_is_offered_exactly_to_those_who_may_read_the_page(client_for, org, name, shown):
    tiles = [tile["name"] for tile in client_for(getattr(org, name)).get("/").context["tiles"]]
    assert ("insights:index" in tiles) is shown


def test_a_finding_with_much_evidence_shows_ten_cases_here_and_all_of_them_fifty_a_page_on_its_own_page(
        client_for, org, lists, story):
    from cases import services

    cases = []
    for i in range(55):  # alike reports no list item names: one list_gap finding with 55 cases of evidence
        cases.append(services.case_report(actor=org.reporter, township=org.township, title=f"电梯广告屏噪音扰民{i}",
                                          description="小区电梯里的广告屏音量很大，噪音扰民，物业不管。",
                                          address="城关街道南门社区"))
        story.later()
    [finding] = findings_compute(org.county, *MARCH)
    assert finding.case_ids == [c.pk for c in cases]
    client = client_for(org.supervisor)
    page = client.get(URL).content.decode()
    assert "涉及 55 件案件" in page and "查看全部 55 件案件" in page
    assert all(c.number in page for c in cases[:10]) and not any(c.number in page for c in cases[10:])
    detail = reverse("insights:finding", args=[finding.pk])
    first = client.get(detail).content.decode()
    assert "证据：55 件案件" in first and "第 1 / 2 页" in first
    assert all(c.number in first for c in cases[:50]) and cases[50].number not in first
    second = client.get(detail + "?page=2").content.decode()
    assert all(c.number in second for c in cases[50:]) and cases[49].number not in second


def test_the_pages_read_in_english_on_request(client_for, org, lists, story):
    for _ in range(4):
        story.decline(story.reassign_to(story.decline(story.assigned()), org.dept_b), officer=org.officer_b)
    findings = findings_compute(org.county, *MARCH)
    editor = client_for(org.editor)
    editor.post(reverse("set_language"), {"language": "en"})
    page = editor.get(URL).content.decode()
    assert "Policy jams" in page and "Export the 2026-Q1 quarterly report (Excel)" in page
    assert "Trend: findings of each kind (by month)" in page and "Adjust the thresholds" in page
    finding = editor.get(reverse("insights:finding", args=[findings[0].pk])).content.decode()
    assert "Evidence: 4 cases" in finding and "Propose a list revision" in finding
    assert "Lead/responsible department (change to)" in finding and "Submit the revision proposal" in finding
    assert "提交修订建议" not in finding and "证据：" not in finding
