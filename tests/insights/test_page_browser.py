"""The findings page in real Chromium, phone and desktop: readable, nothing wider than the screen."""

from datetime import UTC, datetime

import pytest

from insights.services import findings_compute
from tests.insights.conftest import MARCH

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REAL_NOW = datetime.now(UTC)  # the browser's cookies follow the real clock


def test_the_findings_page_on_phone_and_desktop(org, lists, story, time_machine, page, phone_page, live_server,
                                                login, shot):
    for _ in range(3):
        case = story.decline(story.reassign_to(story.decline(story.assigned()), org.dept_b), officer=org.officer_b)
    for _ in range(3):
        story.extend(story.claim(story.assigned(), officer=org.officer))
    findings_compute(org.county, *MARCH)
    time_machine.move_to(REAL_NOW, tick=True)
    for view, name in ((page, "desktop"), (phone_page, "phone")):
        login(view, org.supervisor)
        view.goto(f"{live_server.url}/insights/?month=2026-03")
        assert view.get_by_role("heading", name="政策堵点（示范县）").is_visible()
        view.get_by_text("查看相关案件").first.click()
        assert view.get_by_role("link", name=f"{case.number} {case.title}").first.is_visible()
        assert view.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(view, f"insights-findings-{name}")
