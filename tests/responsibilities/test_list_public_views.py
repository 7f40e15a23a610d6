import csv
import datetime
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responsibilities import services
from responsibilities.selectors import CACHE_KEY
from tests.responsibilities.conftest import build_list

pytestmark = pytest.mark.django_db


def version_url(number=1, code="x-township"):
    return reverse("responsibilities:version", args=[code, number])


def codes_in_order(response):
    return [item.code for group in response.context["groups"] for item in group["items"]]


def test_index_lists_published_lists_without_login(client, published):
    body = client.get(reverse("responsibilities:index")).content.decode()
    assert "示范县乡镇（街道）履行职责事项清单" in body and "现行第 1 版" in body


def test_list_url_redirects_to_the_current_version_permalink(client, published):
    response = client.get(reverse("responsibilities:list", args=["x-township"]))
    assert response.status_code == 302 and response["Location"] == version_url(1)


def test_version_page_groups_items_by_kind_and_category(client, published):
    response = client.get(version_url())
    groups = [(g["kind"], g["category"]) for g in response.context["groups"]]
    assert groups == [("basic", "governance"), ("assisting", "market"), ("negative", "market"), ("negative", "enforcement")]


def test_search_zhandao_jingying_ranks_the_title_match_first(client, published):
    response = client.get(version_url(), {"q": "占道经营"})
    # FM-001 has it in its title; FM-002 only in its description.
    assert codes_in_order(response) == ["FM-001", "FM-002"]
    assert "找到 2 个事项" in response.content.decode()


def test_search_shipin_finds_title_keyword_and_legal_basis_matches(client, published):
    response = client.get(version_url(), {"q": "食品"})
    assert codes_in_order(response) == ["PH-001", "FM-003"]


def test_search_with_two_words_needs_both(client, published):
    assert codes_in_order(client.get(version_url(), {"q": "占道 规划"})) == ["FM-002"]


def test_filters_by_kind_category_and_department(client, org, published):
    assert codes_in_order(client.get(version_url(), {"kind": "negative"})) == ["FM-003", "FM-001", "FM-002"]
    assert codes_in_order(client.get(version_url(), {"category": "market"})) == ["PH-001", "FM-003"]
    assert codes_in_order(client.get(version_url(), {"department": org.dept_b.pk})) == ["FM-001", "FM-002"]


def test_a_bad_filter_value_is_ignored_not_a_500(client, published):
    response = client.get(version_url(), {"kind": "nonsense", "department": "abc"})
    assert response.status_code == 200


def test_drafts_are_not_public(client, org, published):
    duty_list, _ = published
    services.list_draft_start(duty_list=duty_list, actor=org.editor)
    assert client.get(version_url(2)).status_code == 404
    assert client.get(reverse("responsibilities:item", args=["x-township", 2, "JB-001"])).status_code == 404


def test_a_500_item_version_renders_with_a_fixed_small_number_of_queries_and_is_cached(client, org):
    items = [dict(code=f"JB-{n:03d}", kind="basic", category="service", title=f"便民服务事项{n}", keywords="便民")
             for n in range(480)]
    items += [dict(code=f"FM-{n:03d}", kind="negative", category="enforcement", title=f"执法事项{n}", dept="dept_b")
              for n in range(20)]
    duty_list, version = build_list(org, code="x-big", items=items)
    cache.clear()
    url = version_url(1, "x-big")
    with CaptureQueriesContext(connection) as cold:
        response = client.get(url)
    assert response.status_code == 200 and response.context["total"] == 500
    assert len(cold) <= 4, [q["sql"] for q in cold]
    assert cache.get(CACHE_KEY.format(pk=version.pk)) is not None
    with CaptureQueriesContext(connection) as warm:
        client.get(url, {"q": "执法"})
    assert len(warm) < len(cold)
    assert not any("responsibilities_listitem" in q["sql"] for q in warm)
    with CaptureQueriesContext(connection) as printed:
        body = client.get(reverse("responsibilities:version_print", args=["x-big", 1])).content.decode()
    assert len(printed) <= 3 and "执法事项19" in body


def test_item_page_shows_the_owning_department_and_its_history_across_versions(client, org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    services.list_item_update(item=draft.items.get(code="FM-001"), actor=org.editor, response_hours=6)
    services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 7, 1))
    response = client.get(reverse("responsibilities:item", args=["x-township", 2, "FM-001"]))
    body = response.content.decode()
    assert "县综合执法局" in body and "乡镇（街道）可不承担" in body
    assert [row["status"] for row in response.context["history"]] == ["added", "changed"]
    assert "响应时限（小时）" in body and "<del>12</del>" in body and "<ins>6</ins>" in body


def test_history_and_field_by_field_diff_between_any_two_versions(client, org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    services.list_item_remove(item=draft.items.get(code="JB-002"), actor=org.editor)
    services.list_item_add(version=draft, actor=org.editor, code="JB-003", kind="basic", category="service", title="便民服务窗口")
    services.list_item_update(item=draft.items.get(code="PH-001"), actor=org.editor, department=org.dept_b)
    services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 7, 1), change_note="年中修订")
    history = client.get(reverse("responsibilities:history", args=["x-township"])).content.decode()
    assert "年中修订" in history and "已被替代" in history
    response = client.get(reverse("responsibilities:diff", args=["x-township"]), {"from": 1, "to": 2})
    diff = response.context["diff"]
    assert [i.code for i in diff.added] == ["JB-003"] and [i.code for i in diff.removed] == ["JB-002"]
    [change] = diff.changed
    assert [(f.name, f.old, f.new) for f in change.fields] == [("department", "县市场监管局", "县综合执法局")]
    assert "新增 1 项，删除 1 项，修改 1 项" in response.content.decode()
    assert client.get(reverse("responsibilities:diff", args=["x-township"]), {"from": 1, "to": 9}).status_code == 200


def test_exports_to_xlsx_and_csv_with_every_item(client, published):
    response = client.get(reverse("responsibilities:version_export", args=["x-township", 1, "xlsx"]))
    assert response["Content-Disposition"] == 'attachment; filename="x-township-v1.xlsx"'
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert len(rows) == 7 and rows[0][0] == "编码"
    response = client.get(reverse("responsibilities:version_export", args=["x-township", 1, "csv"]))
    text = response.content.decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    assert {r["编码"] for r in records} == {"JB-001", "JB-002", "PH-001", "FM-001", "FM-002", "FM-003"}
    # Exported and printed lists name a department in full, as the list is filed (the pages use the short name).
    assert next(r for r in records if r["编码"] == "FM-001")["牵头/责任部门"] == "示范县综合行政执法局"
    printed = client.get(reverse("responsibilities:version_print", args=["x-township", 1])).content.decode()
    assert "示范县综合行政执法局" in printed and "县综合执法局" not in printed


def test_superseded_versions_keep_their_permalink_and_say_so(client, org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 7, 1))
    body = client.get(version_url(1)).content.decode()
    assert "这是历史版本，已被新版本替代" in body


@pytest.mark.parametrize(
    "query,expected,responsible",
    [
        ("路边有人占道经营", "FM-001", "县综合执法局"),
        ("小饭馆的食品安全问题", "PH-001", "县市场监管局"),
        # Two of the item's words: "邻居之间有纠纷" alone (one word, BM25 1.5 on this six-item list) is undecided.
        ("邻居之间有纠纷，请求调解", "JB-002", "乡镇（街道）"),
    ],
)
def test_public_lookup_names_the_responsible_body(client, published, query, expected, responsible):
    # The lookup itself is routing.views.lookup (the routing service); the list supplies its items.
    response = client.get(reverse("routing:lookup"), {"q": query})
    suggestion = response.context["suggestion"]
    assert suggestion.items and suggestion.items[0].code == expected
    if responsible == "乡镇（街道）":
        assert suggestion.verdict == "township"
    else:
        assert suggestion.departments[0].name == responsible
    assert responsible in response.content.decode()


def test_lookup_with_no_match_says_so(client, published):
    body = client.get(reverse("routing:lookup"), {"q": "火星移民"}).content.decode()
    assert "暂不能确定归谁管" in body


def test_lookup_limited_to_a_township_uses_the_lists_that_apply_to_it(client, org, published):
    response = client.get(reverse("routing:lookup"), {"q": "占道经营", "township": org.township.pk})
    assert response.context["suggestion"].items[0].code == "FM-001"
    response = client.get(reverse("routing:lookup"), {"q": "占道经营", "township": org.dept.pk})
    assert response.status_code == 200 and "township" in response.context["form"].errors



def test_unfiltered_pages_are_rendered_once_per_page_and_language_yet_say_when_superseded(client, org):
    """The unfiltered pages of a version come from blocks rendered once (responsibilities.views): each page
    keeps its own items, each language its own labels, and the header still tells that the version has
    been superseded after its blocks were cached."""
    items = [dict(code=f"JB-{n:03d}", kind="basic", category="service", title=f"便民服务事项{n:03d}", keywords="便民")
             for n in range(130)]
    duty_list, version = build_list(org, code="x-paged", items=items)
    url = version_url(1, "x-paged")
    first = client.get(url).content.decode()
    assert "便民服务事项000" in first and "便民服务事项129" not in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "便民服务事项129" in second and "便民服务事项000" not in second
    with CaptureQueriesContext(connection) as warm:
        again = client.get(url).content.decode()
    assert not any("responsibilities_listitem" in q["sql"] for q in warm)
    assert "便民服务事项000" in again and "共 130 项" in again
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Public services" in english and "Public services" not in again  # the group heading, in each language
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 7, 1))
    superseded = client.get(url).content.decode()
    assert "这是历史版本，已被新版本替代" in superseded and "便民服务事项000" in superseded
    filtered = client.get(url, {"q": "便民服务事项129"}).content.decode()
    assert "便民服务事项129" in filtered and "便民服务事项000" not in filtered
