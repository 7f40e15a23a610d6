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
