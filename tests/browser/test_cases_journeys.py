"""The whistle-and-respond loop in real Chromium: report with a photo → assign → claim → resolve →
satisfied; the return path; the reopen path on a phone."""

import pytest

from cases import services
from cases.models import Case, CaseState
from tests.cases.conftest import build_lists, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lists(org):
    return build_lists(org)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def switch_user(page, login, user):
    """Sign out through the header's button, then sign in as the next person."""
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    login(page, user)
    assert page.get_by_text(user.first_name).first.is_visible()


def test_report_assign_claim_resolve_and_close(org, lists, media, page, live_server, login, shot, tmp_path):
    photo = tmp_path / "油烟现场.png"
    photo.write_bytes(png_bytes(size=(320, 240)))

    # 1. The township reports, with a photo; the panel says the department must act.
    login(page, org.reporter)
    page.goto(f"{live_server.url}/cases/report/")
    page.get_by_label("标题", exact=True).fill("解放路夜市餐饮油烟扰民")
    page.get_by_label("问题描述").fill("夜市烧烤摊油烟直排，周边居民多次投诉，街道劝导无效，需执法部门处理。食品安全 餐饮")
    page.get_by_label("地点").fill("城关街道解放路88号")
    page.get_by_label("照片").set_input_files(str(photo))
    page.locator("#is-ours-result .ours-upper").get_by_text("需部门办理").wait_for()
    shot(page, "cases-report-form-desktop")
    page.get_by_role("button", name="上报", exact=True).click()
    page.get_by_text("已上报，编号").wait_for()
    page.wait_for_load_state("load")  # the banner is parsed before the photos further down the page
    case = Case.objects.get()
    assert case.attachments.count() == 1
    assert page.locator("img[alt^='现场照片']").count() == 1
    shot(page, "cases-detail-reported")

    # 2. The dispatcher finds it in the triage queue and assigns it from the suggested list item.
    switch_user(page, login, org.dispatcher)
    page.goto(f"{live_server.url}/cases/triage/")
    shot(page, "cases-triage-queue")
    page.get_by_role("link", name="解放路夜市餐饮油烟扰民").click()
    assert page.get_by_role("heading", name="分拨建议").is_visible()
    page.get_by_label("匹配的清单事项").select_option(str(lists.assisting.pk))
    page.get_by_label("研判意见", exact=True).fill("油烟来自餐饮服务，按清单PH-010交市场监管局牵头。")
    shot(page, "cases-detail-dispatcher")
    page.get_by_role("button", name="交办", exact=True).click()
    page.get_by_text("已交办责任部门。").wait_for()

    # 3. The department officer claims and resolves.
    switch_user(page, login, org.officer)
    page.goto(f"{live_server.url}/cases/department/")
    shot(page, "cases-department-queue")
    page.get_by_role("link", name="解放路夜市餐饮油烟扰民").click()
    page.get_by_role("button", name="签收（报到）").click()
    page.get_by_text("已签收（报到）").first.wait_for()
    page.get_by_label("办理结果").fill("已责令12家摊位加装油烟净化设施，复查达标。")
    page.get_by_label("办结照片").set_input_files(str(photo))
    page.get_by_role("button", name="办结", exact=True).click()
    page.get_by_text("已办结，等待乡镇评价。").wait_for()

    # 4. The township is satisfied: the case closes.
    switch_user(page, login, org.reporter)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("评价已提交。").wait_for()
    shot(page, "cases-detail-closed")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.rating == "satisfied"
    assert list(case.events.values_list("action", flat=True)) == [
        "case.reported", "case.assigned", "case.claimed", "case.resolved", "case.closed"]
    page.goto(f"{live_server.url}/cases/township/")
    shot(page, "cases-township-list")


def test_the_township_is_warned_and_the_dispatcher_returns_a_basic_duty(org, lists, media, page, live_server, login,
                                                                         shot):
    login(page, org.reporter)
    page.goto(f"{live_server.url}/cases/report/")
    page.get_by_label("标题", exact=True).fill("菜市场门口占道经营")
    verdict = page.locator("#is-ours-result .ours-basic")
    verdict.wait_for()
    assert verdict.get_by_text("属本级职责", exact=True).is_visible()
    assert "JB-001" in page.locator("#is-ours-result").inner_text()
    shot(page, "cases-report-is-ours-basic")
    page.get_by_label("问题描述").fill("早市摊贩占用人行道经营。")
    page.get_by_label("地点").fill("城关街道菜市场")
    page.get_by_role("button", name="上报", exact=True).click()
    page.get_by_text("已上报，编号").wait_for()
    case = Case.objects.get()

    switch_user(page, login, org.dispatcher)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator("summary", has_text="退回乡镇（属本级职责）").click()  # secondary actions are folded away
    page.get_by_label("引用的乡镇基本履职事项").select_option(str(lists.basic.pk))
    page.get_by_label("退回理由").fill("占道经营劝导属街道市容秩序日常巡查职责。")
    page.get_by_role("button", name="退回乡镇", exact=True).click()
    page.get_by_text("已退回乡镇（属本级职责）。").wait_for()

    switch_user(page, login, org.reporter)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert page.get_by_role("heading", name="已退回：属本级职责").is_visible()
    assert page.get_by_text("占道经营劝导属街道市容秩序日常巡查职责。").first.is_visible()
    shot(page, "cases-detail-returned")
    case.refresh_from_db()
    assert case.state == CaseState.RETURNED


def test_unsatisfied_feedback_on_a_phone_reopens_the_case(org, lists, media, phone_page, live_server, login, shot):
    case = services.case_report(actor=org.reporter, township=org.township, title="青年路道路塌陷",
                                description="路面塌陷约一平方米，夜间有安全隐患。", address="青年路与建设路口")
    case = services.case_assign(case=case, actor=org.dispatcher, list_item=lists.negative)
    case = services.case_claim(case=case, actor=org.officer_b)
    case = services.case_resolve(case=case, actor=org.officer_b, note="已设置围挡。")

    login(phone_page, org.reporter)
    phone_page.goto(f"{live_server.url}/cases/{case.pk}/")
    phone_page.get_by_label("不满意", exact=True).check()
    phone_page.get_by_role("button", name="提交评价").click()
    # Without a reason the form comes back with the choice kept and a clear error.
    phone_page.get_by_text("不满意时请说明原因").first.wait_for()
    assert phone_page.get_by_label("不满意", exact=True).is_checked()
    shot(phone_page, "cases-feedback-error-phone")
    phone_page.get_by_label("评价意见").fill("只设了围挡，路面没有修复。")
    phone_page.get_by_role("button", name="提交评价").click()
    phone_page.get_by_text("评价已提交。").wait_for()
    assert phone_page.get_by_text("重办 1 次").first.is_visible()
    shot(phone_page, "cases-detail-reopened-phone")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the case page scrolls sideways on a phone ({width}px)"
    case.refresh_from_db()
    assert case.state == CaseState.ASSIGNED and case.reopen_count == 1 and case.lead_department == org.dept_b

    phone_page.goto(f"{live_server.url}/cases/report/")
    shot(phone_page, "cases-report-form-phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    # The township's list on a phone: the table scrolls inside its frame, the page does not.
    phone_page.goto(f"{live_server.url}/cases/township/")
    assert phone_page.get_by_role("link", name="青年路道路塌陷").is_visible()
    shot(phone_page, "cases-township-list-phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
