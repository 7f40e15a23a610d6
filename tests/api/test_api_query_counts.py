"""Every list answers with a fixed number of queries whatever the page size."""

import datetime

import pytest

from cases import services
from tests.api.conftest import case_in_state, report


@pytest.fixture
def many(org, duty):
    """30 cases in various states, with events, for the list endpoints."""
    for n in range(10):
        report(org, title=f"问题 {n}")
    for _ in range(10):
        case_in_state(org, duty, "assigned")
    for _ in range(10):
        services.case_report(actor=org.reporter_b, township=org.township_b, title="路灯", description="d", address="a")


def _count(client, url, django_assert_max_num_queries, bound):
    with django_assert_max_num_queries(bound) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), response.json()


@pytest.mark.parametrize("user_name", ["supervisor", "dispatcher", "officer", "reporter"])
def test_case_list_queries_do_not_grow_with_the_page_size(org, many, api_for, user_name,
                                                          django_assert_max_num_queries):
    client = api_for(getattr(org, user_name))
    small, small_body = _count(client, "/api/v1/cases/?page_size=2", django_assert_max_num_queries, 12)
    large, large_body = _count(client, "/api/v1/cases/?page_size=100", django_assert_max_num_queries, 12)
    assert len(large_body["results"]) > len(small_body["results"]) >= 1
    assert small == large


def test_case_detail_queries_do_not_grow_with_events(org, duty, api_for, django_assert_max_num_queries):
    client = api_for(org.dispatcher)
    short = case_in_state(org, duty, "reported")
    long = case_in_state(org, duty, "resolved")
    for n in range(5):
        services.case_comment(case=long, actor=org.officer, text=f"记录 {n}")
    a, _ = _count(client, f"/api/v1/cases/{short.pk}/", django_assert_max_num_queries, 20)
    b, body = _count(client, f"/api/v1/cases/{long.pk}/", django_assert_max_num_queries, 20)
    assert len(body["events"]) >= 9
    assert a == b


@pytest.mark.parametrize("path", ["/api/v1/units/", "/api/v1/departments/", "/api/v1/lists/", "/api/v1/items/",
                                  "/api/v1/versions/", "/open311/v2/requests.json"])
def test_public_lists_queries_do_not_grow_with_the_page_size(org, duty, many, api_for, path, settings,
                                                             django_assert_max_num_queries):
    from responsibilities import services as list_services

    # A second published version and more items, so pages differ.
    draft = list_services.list_draft_start(duty_list=duty.list, actor=org.editor)
    for n in range(6):
        list_services.list_item_add(version=draft, actor=org.editor, code=f"X-{n}", title=f"事项{n}", kind="basic",
                                    category="service")
    list_services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 6, 1))
    client = api_for(None)
    sep = "&" if "?" in path else "?"
    small, _ = _count(client, f"{path}{sep}page_size=1", django_assert_max_num_queries, 8)
    large, _ = _count(client, f"{path}{sep}page_size=100", django_assert_max_num_queries, 8)
    assert small == large


def test_version_items_queries_do_not_grow_with_the_page_size(org, duty, api_for, django_assert_max_num_queries):
    client = api_for(None)
    url = f"/api/v1/versions/{duty.version.pk}/items/"
    small, small_body = _count(client, f"{url}?page_size=1", django_assert_max_num_queries, 8)
    large, large_body = _count(client, f"{url}?page_size=100", django_assert_max_num_queries, 8)
    assert len(small_body["results"]) == 1 and len(large_body["results"]) == 3
    assert small == large
