"""The routing answer on a phone: the report form's live panel and the public lookup, in real Chromium."""

import pytest

from tests.cases.conftest import build_lists

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_report_panel_names_the_department_and_highlights_the_words_on_a_phone(
    live_server, org, phone_page, login, shot
):
    build_lists(org)
    from routing import index

    index.clear()
    login(phone_page, org.reporter)
    phone_page.goto(f"{live_server.url}/cases/report/")
    phone_page.get_by_label("标题", exact=True).fill("楼下餐饮店食品安全问题")
    panel = phone_page.locator("#is-ours-result")
    panel.locator(".ours-upper").get_by_text("需部门办理").wait_for()
    assert "县市场监管局" in panel.inner_text()
    assert panel.locator("mark", has_text="食品安全").count() >= 1  # the matched words are highlighted
    shot(phone_page, "routing-report-panel-phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    # Something no list item or department covers: the panel says it is unsure and encourages the report.
    phone_page.get_by_label("标题", exact=True).fill("火星上的月亮")
    panel.locator(".ours-undecided").wait_for()
    assert "请照常上报" in panel.inner_text()


def test_the_public_lookup_answers_without_sign_in_on_a_phone(live_server, org, phone_page, shot):
    build_lists(org)
    phone_page.goto(f"{live_server.url}/lists/lookup/")
    phone_page.get_by_label("您要办的事或遇到的问题").fill("有人私搭乱建违建")
    phone_page.get_by_role("button", name="查询").click()
    result = phone_page.locator(".routing-answer")
    result.wait_for()
    assert "县综合执法局" in result.inner_text()
    shot(phone_page, "routing-lookup-phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
