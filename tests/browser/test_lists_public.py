"""A visitor (no login) searches the published 示范县 township list, opens an item and asks "who handles this?"."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_list(transactional_db):
    from governance import demo as governance_demo
    from responsibilities import demo

    governance_demo.seed()
    demo.seed()
    return demo.LIST_CODE


def test_visitor_searches_the_public_list_and_opens_an_item(demo_list, page, live_server, shot):
    page.goto(f"{live_server.url}/lists/")
    shot(page, "lists-index-desktop")
    page.get_by_role("link", name="示范县乡镇（街道）履行职责事项清单").click()
    assert page.get_by_role("heading", name="示范县乡镇（街道）履行职责事项清单").is_visible()
    assert page.get_by_text("现行有效").first.is_visible()
    page.get_by_label("搜索事项").fill("占道经营")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").first.inner_text().startswith("找到")
    first = page.locator(".item-title").first
    assert first.inner_text() == "占道经营查处"
    shot(page, "lists-search-zhandao-desktop")
    first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="占道经营查处").is_visible()
    assert page.locator(".responsible").inner_text() == "县综合执法局"
    assert page.get_by_text("乡镇（街道）可不承担").is_visible()
    shot(page, "lists-item-desktop")


def test_visitor_filters_and_sees_history_and_diff(demo_list, page, live_server, shot):
    page.goto(f"{live_server.url}/lists/{demo_list}/")
    page.get_by_label("事项类别").select_option(label="上级部门收回事项（负面清单）")
    page.get_by_label("牵头/责任部门").select_option(label="县市场监管局")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_load_state()
    titles = page.locator(".item-title").all_inner_texts()
    assert titles and "价格违法行为查处" in titles and "占道经营查处" not in titles
    page.get_by_role("link", name="与上一版对比").click()
    page.wait_for_load_state()
    assert page.get_by_text("新增 2 项，删除 1 项，修改 3 项。").is_visible()
    shot(page, "lists-diff-desktop")
    page.goto(f"{live_server.url}/lists/{demo_list}/v/2/print/")
    page.emulate_media(media="print")
    assert page.locator(".print-table tbody tr").count() >= 60
    assert not page.get_by_text("返回清单页面").is_visible()  # screen-only link hidden when printing
    shot(page, "lists-print")


def test_on_a_phone_a_resident_asks_who_handles_cooking_fumes(demo_list, phone_page, live_server, shot):
    page = phone_page
    page.goto(f"{live_server.url}/lists/lookup/")
    page.get_by_label("您要办的事或遇到的问题").fill("楼下饭店油烟太大")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    answer = page.locator(".routing-answer").first
    assert "油烟" in answer.locator(".ours-items").inner_text()
    assert "县综合执法局" in answer.inner_text()
    # Nothing sticks out sideways on a 390px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "lists-lookup-phone")
    page.goto(f"{live_server.url}/lists/{demo_list}/?q=食品")
    assert page.locator(".item-title").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "lists-search-shipin-phone")
    page.locator(".item-title").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="由谁负责").is_visible()
    shot(page, "lists-item-phone")
