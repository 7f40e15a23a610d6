"""Every page of the journeys answers in at most PAGE_BUDGET queries, and the same number whatever the data size.

The dispatcher's case page is the heaviest (suggestions from the lists, the assign/return forms with every item
and department of the county, the timeline): it must stay within the budget whatever changes its blocks.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from governance.models import Level, UnitKind
from governance.services import unit_create
from responsibilities.models import DutyList, ListItem, ListVersion

PAGE_BUDGET = 15

pytestmark = pytest.mark.django_db


def _queries(client, url):
    client.get(url)  # warm per-process caches (calendar, list versions); the count is the steady state
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def _grow(org, lists, flow, case):
    """More of everything the pages show: events on the case, cases in every queue, list items, townships."""
    for i in range(3):
        unit_create(code=f"X-T{i}", name=f"示范县新镇{i}", short_name=f"新镇{i}", level=Level.TOWNSHIP,
                    kind=UnitKind.GOVERNMENT, parent=org.county)
    for i in range(6):
        services.case_comment(case=case, actor=org.dispatcher, text=f"记录{i}")
        flow.assigned(title=f"占道经营{i}")
        flow.reported(title=f"餐饮油烟{i}")
    # A second published list for the county's townships: more items in the suggestions and the forms.
    extra = DutyList.objects.create(code="x-township-extra", name="示范县乡镇补充清单", level=Level.TOWNSHIP,
                                    jurisdiction=org.county)
    version = ListVersion.objects.create(duty_list=extra, number=1)
    for i in range(8):
        ListItem.objects.create(version=version, code=f"ZZ-{i:03d}", title=f"油烟扰民第{i}项", kind="negative",
                                category="enforcement", keywords="油烟 餐饮", department=org.dept_b, position=10 + i)
    ListVersion.objects.filter(pk=version.pk).update(status="published", published_at=timezone.now())


def test_the_dispatchers_case_page_keeps_a_fixed_budget(org, lists, flow, client_for, settings):
    case = flow.reported()  # 夜市餐饮油烟扰民: suggestions and both forms are on the page
    client = client_for(org.dispatcher)
    url = reverse("cases:detail", args=[case.pk])
    response = client.get(url)
    assert "PH-010" in response.content.decode()  # the suggestion block and the forms really render
    small = _queries(client, url)
    _grow(org, lists, flow, case)
    large = _queries(client, url)
    assert small == large, (small, large)
    assert large <= PAGE_BUDGET


@pytest.mark.parametrize("persona,url_name,needs_case", [
    ("reporter", "home", False), ("reporter", "cases:report", False), ("reporter", "cases:township_list", False),
    ("reporter", "cases:detail", True), ("dispatcher", "home", False), ("dispatcher", "cases:triage_queue", False),
    ("dispatcher", "cases:search", False), ("officer", "home", False), ("officer", "cases:department_queue", False),
    ("officer", "cases:detail", True), ("supervisor", "cases:supervision", False), ("supervisor", "cases:detail", True),
    ("reporter", "notifications", False),
])
def test_every_journey_page_stays_within_the_budget(org, lists, flow, client_for, persona, url_name, needs_case):
    case = flow.claimed()
    flow.reported(), flow.assigned()  # every queue has a row (an empty page skips its fetch)
    url = reverse(url_name, args=[case.pk] if needs_case else [])
    client = client_for(getattr(org, persona))
    small = _queries(client, url)
    _grow(org, lists, flow, case)
    large = _queries(client, url)
    assert small == large, (small, large)
    assert large <= PAGE_BUDGET


@pytest.mark.parametrize("path", ["/lists/", "/lists/x-township/v/1/", "/lists/lookup/?q=油烟扰民"])
def test_public_list_pages_stay_within_the_budget(org, lists, client, path):
    assert _queries(client, path) <= PAGE_BUDGET
