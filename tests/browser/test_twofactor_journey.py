"""A dispatcher whose role requires two-factor authentication signs in, is sent to enrolment, adds the
secret to an "app" (the test computes the codes), confirms, saves the backup codes; at the next sign-in
a wrong code is refused and the app's code lets them in."""

import base64
import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret, offset=0):
    """What an authenticator app shows for this base32 secret, `offset` seconds from now."""
    from django_otp.oath import TOTP

    text = secret.replace(" ", "")
    totp = TOTP(base64.b32decode(text + "=" * (-len(text) % 8)))
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def test_dispatcher_enrols_and_signs_in_with_a_code(org, page, live_server, login, shot, settings):
    from tests.browser.axe import assert_accessible

    settings.OTP_REQUIRED_ROLES = ["dispatcher", "staff"]
    login(page, org.dispatcher)
    assert page.get_by_role("heading", name="启用两步验证").is_visible()
    assert page.get_by_text("您的岗位要求两步验证：启用后才能继续使用平台。").is_visible()
    assert page.locator(".otp-qr svg").is_visible()
    assert_accessible(page)
    shot(page, "twofactor-setup")
    # Nothing else is reachable before enrolling.
    page.goto(f"{live_server.url}/notifications/")
    assert page.get_by_role("heading", name="启用两步验证").is_visible()

    secret = page.locator("#otp-secret").inner_text()
    page.get_by_label("验证码").fill(app_code(secret))
    page.get_by_role("button", name="启用两步验证").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="两步验证已启用：请保存备用码").is_visible()
    assert page.locator(".otp-codes li").count() == 10
    shot(page, "twofactor-backup-codes")
    page.get_by_role("link", name="我已保存，继续").click()
    page.wait_for_load_state()
    assert page.url.endswith("/notifications/")  # where they were going
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()

    login(page, org.dispatcher)
    assert page.get_by_role("heading", name="两步验证").is_visible()
    page.get_by_label("验证码").fill("12345")
    page.get_by_role("button", name="验证并继续").click()
    page.wait_for_load_state()
    assert page.get_by_text("验证码不正确或已使用").is_visible()
    assert_accessible(page)
    shot(page, "twofactor-wrong-code")
    time.sleep(1.2)  # the wait after one wrong code
    # The enrolment used this time step's code (no replay): the app's next code is accepted too.
    page.get_by_label("验证码").fill(app_code(secret, offset=30))
    page.get_by_role("button", name="验证并继续").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/"  # signed in: the home page
    page.goto(f"{live_server.url}/notifications/")
    assert page.url.endswith("/notifications/")
    page.get_by_role("link", name=org.dispatcher.get_full_name() or org.dispatcher.username).click()
    page.wait_for_load_state()
    assert page.get_by_text("已启用：每次登录时，除密码外还需输入验证器应用上的验证码。").is_visible()
    shot(page, "twofactor-status")
