"""The administrator creates a person with their name in one 姓名 field and gives them a role, in real
Chromium at both sizes; axe-core finds no serious or critical issue on the user and membership forms."""

import re

import pytest
from django.contrib.auth import get_user_model

from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Any English word in the page body (LDAP, a proper name, is allowed).
ENGLISH = re.compile(r"\b(?!LDAP\b)[A-Za-z]{3,}\b")


@pytest.fixture(params=["desktop", "phone"])
def screen(request, page, phone_page):
    return request.param, (page if request.param == "desktop" else phone_page)


def test_admin_creates_a_person_with_a_chinese_name_and_a_role(org, screen, live_server, login, shot):
    size, page = screen
    login(page, org.admin)
    page.goto(f"{live_server.url}/admin/auth/user/add/")
    assert_accessible(page)
    shot(page, f"admin-user-add-{size}")
    assert not ENGLISH.findall(page.locator("#content").inner_text())
    page.get_by_label("用户名").fill("wangfang")
    page.get_by_label("姓名").fill("王芳")
    page.locator("#id_password1").fill("Zx-7y!kq-2026-long")
    page.locator("#id_password2").fill("Zx-7y!kq-2026-long")
    page.locator("input[name=_continue]").click()
    page.locator(".messagelist").wait_for()
    user = get_user_model().objects.get(username="wangfang")
    assert user.get_full_name() == "王芳"
    assert page.get_by_label("名字", exact=True).count() == 0 and page.get_by_label("姓氏", exact=True).count() == 0
    assert_accessible(page)
    shot(page, f"admin-user-change-{size}")

    page.goto(f"{live_server.url}/admin/governance/membership/add/")
    assert_accessible(page)
    shot(page, f"admin-membership-add-{size}")
    assert not ENGLISH.findall(page.locator("#content").inner_text())
