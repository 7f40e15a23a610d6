"""A list editor keeps the departments' routing profiles on a phone, in real Chromium."""

import pytest

from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_editor_edits_a_departments_statutory_functions_on_a_phone(live_server, org, phone_page, login, shot):
    from routing.models import DepartmentProfile, ProfileEvent

    DepartmentProfile.objects.create(unit=org.dept, dept_type="market", functions="负责食品安全和价格监督检查。",
                                     keywords="食品,价格")
    login(phone_page, org.editor)
    phone_page.goto(f"{live_server.url}/lists/edit/")
    phone_page.get_by_role("link", name="部门职责画像").click()
    phone_page.wait_for_load_state("load")  # the stylesheet applied before anything is measured
    cards = phone_page.locator(".profile-card")
    cards.first.wait_for()
    assert cards.count() == 2  # the county's two departments; the one without a profile says so
    assert "尚未填写职责画像" in phone_page.locator(".profile-list").inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    for link in phone_page.locator(".profile-card a").all():
        box = link.bounding_box()
        assert box["height"] >= 44, link.inner_text()
    assert_accessible(phone_page)
    shot(phone_page, "routing-profiles-phone")

    phone_page.get_by_role("link", name=f"编辑{org.dept.display_name}的职责画像").click()
    phone_page.get_by_label("法定职责").fill("太短")
    phone_page.get_by_role("button", name="保存").click()
    phone_page.get_by_text("不少于 10 个字").wait_for()
    phone_page.get_by_label("法定职责").fill("负责食品、药品、特种设备安全监管，价格监督检查和消费投诉举报处理。")
    phone_page.get_by_label("部门类型").select_option("market")
    assert phone_page.get_by_role("button", name="保存").bounding_box()["height"] >= 44
    assert_accessible(phone_page)
    shot(phone_page, "routing-profile-edit-phone")
    phone_page.get_by_role("button", name="保存").click()
    phone_page.get_by_text("已保存").wait_for()
    assert DepartmentProfile.objects.get(unit=org.dept).functions.startswith("负责食品、药品")
    assert ProfileEvent.objects.get(unit=org.dept).actor == org.editor
