"""Browser journeys for the deadline panels on the case page (real headless Chromium)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import escalation
from cases.extensions import case_extension_request
from cases.models import Case
from governance.calendar import sync_calendar

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def overdue_case(org, flow):
    """A claimed case, an extension requested in time, then its deadline passed and the sweep escalated it.

    The date asked for is computed from the case's deadline, not from today: `now + 3 days` was earlier
    than the working-day deadline on some weekdays and the request was refused
    (test_deadlines_every_weekday.py runs the same steps frozen on every day of a holiday week; a
    browser test cannot freeze the clock, the browser's cookies expire by the real one)."""
    sync_calendar(years=[timezone.localdate().year])
    case = flow.claimed()
    case_extension_request(case=case, actor=org.officer, reason="需等待第三方检测机构出具油烟检测报告，预计还需两个工作日。",
                           requested_due_at=case.due_at + timedelta(days=3))
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(
        stage_started_at=now - timedelta(days=4), due_at=now - timedelta(hours=3, minutes=20),
        resolution_due_at=now - timedelta(hours=3, minutes=20), warn_at=now - timedelta(days=1), warned_at=now,
    )
    escalation.sweep()
    case.refresh_from_db()
    assert case.escalation_level == 1
    return case


def test_dispatcher_sees_the_overdue_case_and_approves_the_extension(org, overdue_case, page, live_server, login, shot):
    login(page, org.dispatcher)
    page.goto(f"{live_server.url}/cases/{overdue_case.pk}/")
    panel = page.locator(".deadline-panel")
    assert panel.get_by_text("已超时").first.is_visible()
    assert panel.get_by_text("超时升级·第1级").is_visible()
    assert "deadline-overdue" in panel.get_attribute("class")
    shot(page, "deadline-panel-overdue-dispatcher")
    extension = page.locator(".extension-panel")
    extension.get_by_label("批准").check()
    extension.get_by_label("审批意见（驳回时必填）").fill("同意延期，请按期办结。")
    extension.get_by_role("button", name="提交审批").click()
    page.wait_for_load_state()
    assert page.get_by_text("已批准延期，时限已更新。").is_visible()
    assert page.locator(".deadline-panel .deadline-left").inner_text().startswith("剩余")
    assert "deadline-overdue" not in page.locator(".deadline-panel").get_attribute("class")
    shot(page, "deadline-panel-after-extension")


def test_officer_on_a_phone_sees_the_deadline_and_a_clear_error_on_a_bad_extension(
    org, flow, phone_page, live_server, login, shot
):
    sync_calendar(years=[timezone.localdate().year])
    case = flow.claimed()
    login(phone_page, org.officer)
    phone_page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert phone_page.locator(".deadline-panel .deadline-left").inner_text().startswith("剩余")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling on a phone"
    shot(phone_page, "deadline-panel-phone-officer")
    phone_page.get_by_role("link", name="申请延期").click()
    phone_page.get_by_label("申请延至").fill((timezone.localtime(case.due_at) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    phone_page.get_by_label("申请理由").fill("等待检测报告")
    phone_page.get_by_role("button", name="提交申请").click()
    phone_page.wait_for_load_state()
    assert phone_page.get_by_text("必须晚于当前时限").is_visible()
    assert phone_page.get_by_label("申请理由").input_value() == "等待检测报告"
    shot(phone_page, "extension-request-error-phone")
