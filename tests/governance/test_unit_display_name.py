"""One name per department everywhere (issue 14): the routing panel, the case page, the public list, the API and
the notifications all show Unit.display_name (the short name when set, else the full name), so a clerk never
meets 县综合执法局 on one page and 示范县综合行政执法局 on the next for the same department."""

import pytest
from django.urls import reverse

from cases import services
from governance.models import Notification, Unit
from tests.cases.conftest import build_lists

pytestmark = pytest.mark.django_db

SHORT = "县城管执法局"  # a short name seen nowhere else, so the pages can only have it from Unit.display_name


@pytest.fixture
def named(org):
    lists = build_lists(org)
    Unit.objects.filter(pk=org.dept_b.pk).update(short_name=SHORT)
    org.dept_b.refresh_from_db()
    from routing import index

    index.clear()  # the routing index keeps the departments it was built with
    return lists


def _pages(org, lists, client_for):
    reporter = client_for(org.reporter)
    panel = reporter.get(reverse("cases:is_ours"), {"q": "小区里有人私搭乱建违建"}).content.decode()
    case = services.case_report(actor=org.reporter, township=org.township, title="小区私搭乱建",
                                description="楼顶违建加层。", address="城关街道南门社区")
    services.case_assign(case=case, actor=org.dispatcher, list_item=lists.negative)
    case_page = reporter.get(reverse("cases:detail", args=[case.pk])).content.decode()
    public = client_for(None).get(reverse("responsibilities:list", args=["x-township"]), follow=True).content.decode()
    api = client_for(org.reporter).get(f"/api/v1/cases/{case.pk}/").json()
    return {"routing panel": panel, "case page": case_page, "public list": public}, api, case


def test_the_routing_panel_the_case_page_and_the_public_list_name_a_department_alike(org, named, client_for):
    assert org.dept_b.display_name == SHORT and org.dept_b.name == "示范县综合行政执法局"
    pages, api, case = _pages(org, named, client_for)
    for where, body in pages.items():
        assert SHORT in body, f"{where} does not show the department's display name"
        assert org.dept_b.name not in body, f"{where} shows the full name {org.dept_b.name} as well"
    assert api["lead_department"]["name"] == SHORT
    assigned = Notification.objects.filter(kind="case.assigned").values_list("title", "body")
    assert assigned and not any(org.dept_b.name in title + body for title, body in assigned)


def test_without_a_short_name_the_full_name_is_the_one_name(org, named, client_for):
    Unit.objects.filter(pk=org.dept_b.pk).update(short_name="")
    named.negative.refresh_from_db()  # drops the cached department with the old short name
    from routing import index

    index.clear()
    pages, api, _case = _pages(org, named, client_for)
    for where, body in pages.items():
        assert "示范县综合行政执法局" in body and SHORT not in body, where
    assert api["lead_department"]["name"] == "示范县综合行政执法局"
    assert str(Unit.objects.get(pk=org.dept_b.pk)) == "示范县综合行政执法局"
