"""The dispatcher's and supervisor's desk in real Chromium at 1280×900 and 390×844: a home count opens the
matching search, a case is found by number after it left the queue, a search is saved, cases are assigned
in bulk with the searchable item picker, 下一件 leads on, and the 交办单 prints without screen chrome.
Every page is checked with axe-core (0 serious/critical) and photographed under test-artifacts/."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cases import services
from cases.models import CaseEvent, CaseState
from tests.browser.axe import assert_accessible
from tests.cases.conftest import build_lists

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lists(org):
    return build_lists(org)


def report(org, title, **kw):
    return services.case_report(actor=org.reporter, township=org.township, title=title,
                                description=f"{title}，需要县级部门处理。", address="城关街道解放路", **kw)


@pytest.fixture(params=["desktop", "phone"])
def screen(request, page, phone_page):
    return request.param, (page if request.param == "desktop" else phone_page)


def test_dispatcher_searches_assigns_in_bulk_and_moves_on(org, lists, screen, live_server, login, shot):
    size, page = screen
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        late_a = report(org, "解放路违建一")
        late_b = report(org, "解放路违建二")
    fresh = report(org, "新上报的占道")
    gone = services.case_assign(case=report(org, "早已交办的油烟"), actor=org.dispatcher, list_item=lists.assisting)

    login(page, org.dispatcher)
    assert_accessible(page)
    shot(page, f"desk-home-{size}")
    # 1. The overdue count on the home page is a link to exactly those cases.
    page.get_by_role("link", name="2 件已超时").click()
    page.get_by_role("heading", name="案件查询").wait_for()
    assert page.get_by_role("status").filter(has_text="共找到 2 件").is_visible()
    assert page.get_by_role("link", name=late_a.title).is_visible()
    assert page.get_by_role("link", name=fresh.title).count() == 0
    assert_accessible(page)
    shot(page, f"desk-search-overdue-{size}")

    # 2. A case that left the queue is found by its number.
    page.get_by_role("link", name="清除条件").click()
    page.get_by_label("编号或文字").fill(gone.number)
    page.get_by_role("button", name="查询", exact=True).click()
    assert page.get_by_role("status").filter(has_text="共找到 1 件").is_visible()
    assert page.get_by_role("link", name="早已交办的油烟").is_visible()
    shot(page, f"desk-search-number-{size}")

    # 3. Save a search for the queue's overdue cases; it comes back as a chip.
    page.goto(f"{live_server.url}/cases/search/?state=reported&state=triaged&overdue=true")
    page.get_by_text("保存此查询").click()
    page.get_by_label("查询名称").fill("超时待研判")
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_text("已保存查询“超时待研判”").wait_for()
    assert page.get_by_role("link", name="超时待研判").is_visible()

    # 4. Tick both overdue cases, find the item by typing, assign them in one go.
    page.get_by_label(f"勾选 {late_a.number}").check()
    page.get_by_label(f"勾选 {late_b.number}").check()
    page.get_by_label("筛选清单事项").fill("违法建设")
    assert page.get_by_label("交办到清单事项").input_value() == str(lists.negative.pk)
    assert_accessible(page)
    shot(page, f"desk-bulk-assign-{size}")
    box = page.get_by_label(org.dept.display_name).first.locator("xpath=..").bounding_box()
    assert box["height"] >= 44
    page.get_by_role("button", name="交办勾选的事项").click()
    page.get_by_text("已处理 2 件").wait_for()
    shot(page, f"desk-bulk-assigned-{size}")
    for case in (late_a, late_b):
        case.refresh_from_db()
        assert case.state == CaseState.ASSIGNED and case.lead_department == org.dept_b
    assert CaseEvent.objects.filter(action="case.assigned").count() == 3

    # 5. On an assigned case: 下一件 opens the case still waiting; the 交办单 prints without the header.
    page.goto(f"{live_server.url}/cases/{late_a.pk}/")
    page.get_by_role("link", name="下一件 →").click()
    page.get_by_role("heading", name=fresh.title).wait_for()
    page.goto(f"{live_server.url}/cases/{late_a.pk}/")
    page.get_by_role("link", name="打印交办单").click()
    page.get_by_role("heading", name="事项交办单").wait_for()
    assert page.get_by_text(lists.negative.legal_basis).is_visible()
    assert_accessible(page)
    shot(page, f"desk-sheet-{size}")
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="打印").is_visible()
    page.emulate_media(media="screen")


def test_supervisor_urges_the_overdue_cases_at_once(org, lists, screen, live_server, login, shot):
    size, page = screen
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        a = services.case_assign(case=report(org, "长期未签收一"), actor=org.dispatcher, list_item=lists.negative)
        b = services.case_assign(case=report(org, "长期未签收二"), actor=org.dispatcher, list_item=lists.negative)
    login(page, org.supervisor)
    page.get_by_role("link", name="2 件已超时").click()
    page.get_by_role("heading", name="案件查询").wait_for()
    for case in (a, b):
        page.get_by_label(f"勾选 {case.number}").check()
    page.get_by_label("催办意见").fill("请今日内签收并反馈。")
    assert_accessible(page)
    shot(page, f"desk-bulk-urge-{size}")
    page.get_by_role("button", name="催办勾选的事项").click()
    page.get_by_text("已处理 2 件").wait_for()
    assert CaseEvent.objects.filter(action="case.urged").count() == 2
    assert_accessible(page)
