"""No list's query count grows with its size (every list is paginated and joins what it shows)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services

pytestmark = pytest.mark.django_db


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _make(flow, org, lists, n):
    for i in range(n):
        case = flow.assigned(title=f"占道经营{i}")
        if i % 2:
            services.case_claim(case=case, actor=org.officer)
        if i % 3 == 0:
            services.case_assign(case=flow.reported(title=f"新上报{i}"), actor=org.dispatcher,
                                 list_item=lists.negative, assisting_departments=[org.dept])
        flow.triaged(title=f"待研判{i}")


@pytest.mark.parametrize("url_name,persona", [
    ("cases:township_list", "reporter"), ("cases:triage_queue", "dispatcher"),
    ("cases:department_queue", "officer"), ("cases:supervision", "supervisor"),
])
def test_list_query_count_does_not_grow_with_rows(org, lists, flow, client_for, url_name, persona):
    client = client_for(getattr(org, persona))
    url = reverse(url_name)
    _make(flow, org, lists, 2)
    small = _count(client, url)
    _make(flow, org, lists, 8)
    large = _count(client, url)
    assert large == small, (small, large)
    assert small <= 14


def test_case_page_query_count_does_not_grow_with_its_events(org, flow, client_for):
    case = flow.claimed()
    client = client_for(org.officer)
    url = reverse("cases:detail", args=[case.pk])
    first = _count(client, url)
    for i in range(10):
        services.case_comment(case=case, actor=org.officer if i % 2 else org.dispatcher, text=f"记录{i}")
    assert _count(client, url) == first
