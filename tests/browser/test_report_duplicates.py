"""可能已有人上报 on a phone (390×844): the clerk types a matter the township reported three days ago and the
report form links to it while they type; a case reported three weeks ago is not offered (issue 14)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cases import services
from tests.browser.axe import assert_accessible
from tests.cases.conftest import build_lists

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _report(org, title, description, days_ago):
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        return services.case_report(actor=org.reporter, township=org.township, title=title,
                                    description=description, address="城关街道解放路88号")


def test_the_clerk_sees_the_case_already_reported_while_typing_on_a_phone(live_server, org, phone_page, login,
                                                                           shot):
    build_lists(org)
    recent = _report(org, "解放路夜市油烟扰民", "夜市多家烧烤摊油烟直排，居民窗户都是油。", days_ago=3)
    old = _report(org, "解放路夜市油烟扰民", "去年夏天的同一个夜市。", days_ago=21)

    login(phone_page, org.reporter)
    phone_page.goto(f"{live_server.url}/cases/report/")
    result = phone_page.locator("#duplicates-result")
    assert "可能已有人上报" not in result.inner_text()
    phone_page.get_by_label("标题", exact=True).press_sequentially("夜市烧烤油烟", delay=30)
    link = result.get_by_role("link", name=f"{recent.number} 解放路夜市油烟扰民")
    link.wait_for()
    assert "可能已有人上报" in result.inner_text()
    assert result.get_by_role("link", name=old.number).count() == 0
    box = link.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 390
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone_page)
    shot(phone_page, "report-duplicates-phone")

    link.click()
    phone_page.get_by_role("heading", name="解放路夜市油烟扰民").wait_for()
    assert recent.number in phone_page.content()
