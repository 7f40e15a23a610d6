"""Duty admission end to end in Chromium: a department proposes a duty with its resources, the reviewer sees
the conflict check, the townships comment, the reviewer approves, the item lands in the list draft, the
editor publishes, the public item page shows 经准入 with the resources, and a township flags funds missing."""

import datetime

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(browser, live_server, user, *, phone=False):
    from tests.personas import PASSWORD

    options = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True) if phone else dict(
        viewport={"width": 1280, "height": 900})
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    if user is not None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
    return page


def _ok(page, text):
    assert page.get_by_text(text).first.is_visible(), text


def test_a_duty_goes_from_proposal_to_the_published_list_with_its_resources(org, browser, live_server, shot):
    from tests.responsibilities.conftest import build_list

    build_list(org, code="x-township")
    start = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()

    officer = _as(browser, live_server, org.officer)
    officer.goto(f"{live_server.url}/")
    officer.get_by_role("link", name="职责准入申请").first.click()
    officer.get_by_role("link", name="提出准入申请").click()
    officer.get_by_label("事项名称").fill("组织开展网格化安全巡查")
    officer.get_by_label("事项内容").fill("划分网格，对辖区燃气、消防隐患开展日常巡查")
    officer.get_by_label("适用全部乡镇（街道）").check()
    officer.get_by_label("四平台分类").select_option("governance")
    officer.get_by_label("开始日期").fill(start)
    officer.get_by_label("期限（月）").fill("12")
    officer.get_by_label("法律（政策）依据").fill("《城镇燃气管理条例》")
    officer.get_by_label("条款").fill("第三十四条")
    officer.get_by_label("部门自身无法承担的理由").fill("点多面广，部门力量无法覆盖日常巡查")
    officer.get_by_label("预计工作量").fill("40")
    officer.locator("#id_res-0-kind").select_option("staff")
    officer.locator("#id_res-0-description").fill("安全巡查员")
    officer.locator("#id_res-0-quantity").fill("-2")
    officer.locator("#id_res-1-kind").select_option("funds")
    officer.locator("#id_res-1-description").fill("巡查专项经费")
    officer.locator("#id_res-1-quantity").fill("12")
    officer.locator("#id_res-1-unit").select_option("万元/年")
    officer.locator("#id_res-1-budget_line").fill("2130199 其他支出")
    officer.get_by_role("button", name="保存草稿").click()
    _ok(officer, "数量/金额不能为负数。")
    officer.locator("#id_res-0-quantity").fill("2")
    shot(officer, "admission-form-desktop")
    officer.get_by_role("button", name="保存草稿").click()
    _ok(officer, "草稿已保存。")
    officer.get_by_role("button", name="提交审查").click()
    _ok(officer, "已提交审查。")
    assert officer.get_by_role("link", name="修改申请").count() == 0
    detail_url = officer.url
    officer.context.close()

    reviewer = _as(browser, live_server, org.reviewer)
    reviewer.goto(f"{live_server.url}/")
    reviewer.get_by_role("link", name="职责准入审查").first.click()
    reviewer.get_by_role("link", name="组织开展网格化安全巡查").click()
    _ok(reviewer, "冲突审查：现行清单中最接近的事项")
    assert reviewer.locator(".adm-conflicts").get_by_text("JB-001 组织开展网格化管理").is_visible()
    reviewer.get_by_label("审查环节").select_option("legality")
    reviewer.locator("#id_check_outcome_0").check()
    reviewer.locator("#id_check_note").fill("依据适用")
    reviewer.get_by_role("button", name="记录审查意见").click()
    _ok(reviewer, "审查意见已记录。")
    reviewer.get_by_role("button", name="征求乡镇意见").click()
    _ok(reviewer, "已向涉及的乡镇（街道）征求意见。")

    for user in (org.reporter, org.reporter_b):
        township = _as(browser, live_server, user, phone=True)
        township.goto(f"{live_server.url}/admission/")
        township.get_by_role("link", name="组织开展网格化安全巡查").first.click()
        township.locator("#id_comment_position_0").check()
        township.get_by_label("具体意见").fill("同意，人员经费需按时到位")
        shot(township, "admission-comment-phone")
        township.get_by_role("button", name="提交意见").click()
        _ok(township, "意见已提交。")
        township.context.close()

    reviewer.goto(detail_url)
    for step in ("conflict", "adequacy"):
        reviewer.get_by_label("审查环节").select_option(step)
        reviewer.locator("#id_check_outcome_0").check()
        reviewer.locator("#id_check_note").fill("无重复；资源与工作量匹配")
        reviewer.get_by_role("button", name="记录审查意见").click()
        _ok(reviewer, "审查意见已记录。")
    reviewer.locator("#id_approve_reason").fill("依法有据，人财物随附")
    shot(reviewer, "admission-review-desktop")
    reviewer.get_by_role("button", name="准入并列入清单草稿").click()
    _ok(reviewer, "已准入，事项已列入清单草稿，待清单编辑发布。")
    number = reviewer.locator("header.case-head").inner_text()
    reviewer.context.close()

    from admission.models import AdmissionRequest

    admission = AdmissionRequest.objects.get()
    assert admission.state == "approved" and admission.number

    editor = _as(browser, live_server, org.editor)
    editor.goto(f"{live_server.url}/lists/edit/")
    editor.get_by_role("link", name="继续编辑第 2 版草稿").click()
    _ok(editor, "组织开展网格化安全巡查")
    editor.get_by_role("link", name="预览差异并发布").click()
    editor.get_by_label("生效日期").fill(start)
    editor.get_by_label("我已核对上面的变更，确认发布").check()
    editor.get_by_role("button", name="确认发布").click()
    _ok(editor, "已发布第 2 版")
    editor.context.close()

    visitor = _as(browser, live_server, None, phone=True)
    visitor.goto(f"{live_server.url}/lists/x-township/v/2/items/{admission.number}/")
    _ok(visitor, "经准入")
    _ok(visitor, admission.number)
    _ok(visitor, "《城镇燃气管理条例》 第三十四条")
    _ok(visitor, "安全巡查员，2 人")
    _ok(visitor, "巡查专项经费，12 万元/年，预算科目：2130199 其他支出")
    shot(visitor, "admission-public-item-phone")
    visitor.goto(f"{live_server.url}/lists/x-township/v/2/items/JB-001/")
    _ok(visitor, "未经准入（存量事项）")
    visitor.context.close()

    township = _as(browser, live_server, org.reporter, phone=True)
    township.goto(f"{live_server.url}{detail_url.split(live_server.url)[1]}")
    fieldset = township.locator(".adm-arrival-form fieldset").filter(has_text="巡查专项经费")
    fieldset.get_by_label("未到位").check()
    fieldset.get_by_label("说明（可选）").fill("经费尚未拨付")
    township.locator(".adm-arrival-form fieldset").filter(has_text="安全巡查员").get_by_label("已到位").check()
    township.get_by_role("button", name="保存到位情况").click()
    _ok(township, "资源到位情况已更新。")
    shot(township, "admission-arrival-phone")
    township.context.close()

    reviewer = _as(browser, live_server, org.reviewer)
    reviewer.goto(detail_url)
    row = reviewer.locator(".adm-arrivals tr").filter(has_text="城关街道").filter(has_text="巡查专项经费")
    assert "未到位" in row.inner_text() and "经费尚未拨付" in row.inner_text()
    assert number
    reviewer.context.close()
