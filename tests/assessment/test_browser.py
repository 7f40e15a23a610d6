"""The exemption request flow in real Chromium (a department asks, the assessment office approves), and the
dashboard's charts rendering from the vendored ECharts with every request outside the site refused."""

import pytest
from django.utils import timezone

from cases import services as case_services
from tests.cases.conftest import build_lists, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def assigned_case(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    lists = build_lists(org)
    case = case_services.case_report(actor=org.reporter, township=org.township, title="夜市餐饮油烟扰民",
                                     description="烧烤摊油烟直排。", address="解放路88号")
    return case_services.case_assign(case=case, actor=org.dispatcher, list_item=lists.assisting)


def _switch(page, login, user):
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    login(page, user)


def test_exemption_request_and_approval(org, assigned_case, page, live_server, login, shot, tmp_path):
    month = timezone.localdate().strftime("%Y-%m")
    evidence = tmp_path / "授权文件.png"
    evidence.write_bytes(png_bytes(size=(200, 120)))

    login(page, org.officer)
    page.goto(f"{live_server.url}/assessment/cases/?period=month&value={month}&body={org.dept.pk}&metric=received")
    page.get_by_role("link", name="申请免责").click()
    page.get_by_role("button", name="提交申请").click()  # nothing chosen: told what is missing, nothing saved
    assert page.get_by_text("请选择免责理由。").is_visible()
    page.get_by_label("权责不匹配：所需权限未下放").check()
    page.get_by_label("情况说明").fill("查封扣押权未下放到本局，无法现场处置。")
    page.get_by_label("证明材料（照片，可选）").set_input_files(str(evidence))
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    assert page.get_by_text("免责申请已提交").is_visible()
    assert page.get_by_text("待审核").first.is_visible()
    shot(page, "assessment-exemption-requested")

    _switch(page, login, org.assessor)
    page.goto(f"{live_server.url}/assessment/exemptions/")
    page.get_by_role("link", name=f"{assigned_case.number} {assigned_case.title}").click()
    page.get_by_label("批准免责").check()
    page.get_by_role("button", name="提交审核结果").click()  # no note: refused with a message
    assert page.get_by_text("请填写审核意见").is_visible()
    page.get_by_label("批准免责").check()
    page.get_by_label("审核意见（必填）").fill("经核实，该权限确未下放。")
    page.get_by_role("button", name="提交审核结果").click()
    page.wait_for_load_state()
    assert page.get_by_text("已免责").first.is_visible()
    assert page.get_by_text("赵敏 · 批准免责").is_visible()  # the audited decision, with its label
    shot(page, "assessment-exemption-approved")

    page.goto(f"{live_server.url}/assessment/?period=month&value={month}")
    assert page.get_by_text("免责申请已批准：权责不匹配：所需权限未下放").first.is_visible()


def test_charts_render_without_network(org, assigned_case, page, phone_page, live_server, login, shot):
    for p in (page, phone_page):
        outside = []

        def guard(route, outside=outside):
            if route.request.url.startswith(live_server.url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        p.route("**/*", guard)
        login(p, org.assessor)
        p.goto(f"{live_server.url}/assessment/?period=month&value={timezone.localdate():%Y-%m}")
        for chart in ("chart-trend", "chart-rank", "chart-funnel"):
            p.wait_for_selector(f"#{chart}[data-rendered='1'] svg")
        assert outside == []
        assert p.get_by_role("table", name="部门 × 月份 按时办结率").count() == 1
        shot(p, f"assessment-dashboard-{p.viewport_size['width']}")
