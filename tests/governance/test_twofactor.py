"""Two-factor authentication (governance.twofactor, django-otp TOTP + backup codes), enforced for the
roles in settings.OTP_REQUIRED_ROLES: enrolment, the verification step after the password, throttled
wrong codes, backup codes, and API tokens (unaffected, but issued only with a code)."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance import twofactor
from governance.models import Role
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 7, 1, 9, 0, tzinfo=datetime.UTC)


def code_for(device, when=None):
    """The code an authenticator app shows for this device at `when` (now by default)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if when is not None:
        totp.time = when.timestamp()
    return f"{totp.token():0{device.digits}d}"


def enrol(user):
    device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    return device, twofactor.backup_codes_regenerate(user=user)


def sign_in(user):
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.fixture
def enforced(settings):
    settings.OTP_REQUIRED_ROLES = ["staff", "dispatcher", "supervisor", "assessor", "admission_reviewer"]


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def test_the_setting_accepts_exactly_the_role_codes_and_staff():
    assert django_settings.OTP_ROLE_CHOICES == {role.value for role in Role} | {"staff"}


def test_an_enforced_user_reaches_no_page_and_no_api_before_enrolling(org, enforced):
    client = sign_in(org.dispatcher)
    response = client.get("/notifications/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/?next=%2Fnotifications%2F"
    assert client.get("/admin/").status_code == 302
    api = client.get("/api/v1/cases/")
    assert api.status_code == 403 and api.json()["detail"] == "该账号需要两步验证：请先在网页上完成验证。"
    page = client.get("/accounts/2fa/?next=/notifications/").content.decode()
    assert "您的岗位要求两步验证" in page and "<svg" in page
    # A role not in the setting signs in as before.
    assert sign_in(org.reporter).get("/").status_code == 200
    assert sign_in(org.admin).get("/admin/").status_code == 302  # staff: enrolment first


def test_enrolment_with_a_code_from_the_app_then_the_code_at_the_next_sign_in(org, enforced, clock):
    client = sign_in(org.dispatcher)
    client.get("/accounts/2fa/")
    device = TOTPDevice.objects.get(user=org.dispatcher, confirmed=False)
    response = client.post("/accounts/2fa/", {"code": "000000" if code_for(device) != "000000" else "111111",
                                              "next": "/notifications/"})
    assert "验证码不正确或已使用" in response.content.decode()
    clock.shift(datetime.timedelta(seconds=5))  # past the one-second wait after a wrong code
    response = client.post("/accounts/2fa/", {"code": code_for(device), "next": "/notifications/"})
    body = response.content.decode()
    assert response.status_code == 200 and "请保存备用码" in body and body.count("<li><code>") == 10
    assert client.get("/notifications/").status_code == 200  # verified for this session
    client.post("/accounts/logout/")

    client = sign_in(org.dispatcher)
    response = client.get("/notifications/")
    assert response["Location"] == "/accounts/2fa/verify/?next=%2Fnotifications%2F"
    clock.shift(datetime.timedelta(seconds=30))  # the next time step: a used code cannot be replayed
    device.refresh_from_db()
    response = client.post("/accounts/2fa/verify/", {"code": code_for(device), "next": "/notifications/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert client.get("/notifications/").status_code == 200


def test_a_wrong_code_is_refused_clearly_and_repeated_ones_are_throttled(org, enforced, clock):
    device, _codes = enrol(org.supervisor)
    client = sign_in(org.supervisor)
    wrong = "123456" if code_for(device) != "123456" else "654321"
    response = client.post("/accounts/2fa/verify/", {"code": wrong})
    assert response.status_code == 200
    assert "验证码不正确或已使用，请输入验证器上当前显示的 6 位数字，或一个未用过的备用码。" in response.content.decode()
    client.post("/accounts/2fa/verify/", {"code": wrong})  # not yet allowed: counts nothing more
    clock.shift(datetime.timedelta(seconds=2))
    client.post("/accounts/2fa/verify/", {"code": wrong})  # the second failure: now 2 s to wait
    # Even the right code is refused while throttled, with the wait stated.
    response = client.post("/accounts/2fa/verify/", {"code": code_for(device)})
    assert "验证码错误次数过多，请 2 秒后再试。" in response.content.decode()
    assert client.get("/notifications/").status_code == 302
    clock.shift(datetime.timedelta(seconds=31))
    response = client.post("/accounts/2fa/verify/", {"code": code_for(device)})
    assert response.status_code == 302
    assert client.get("/notifications/").status_code == 200


def test_a_backup_code_signs_in_once(org, enforced, clock):
    _device, codes = enrol(org.assessor)
    client = sign_in(org.assessor)
    response = client.post("/accounts/2fa/verify/", {"code": codes[0].upper()}, follow=True)
    assert "您使用了一个备用码（每个只能用一次），剩余 9 个。" in response.content.decode()
    client.post("/accounts/logout/")
    clock.shift(datetime.timedelta(minutes=5))
    client = sign_in(org.assessor)
    response = client.post("/accounts/2fa/verify/", {"code": codes[0]})
    assert "验证码不正确或已使用" in response.content.decode()


def test_new_backup_codes_replace_the_old_ones_only_after_verifying(org, enforced, clock):
    device, codes = enrol(org.reviewer)
    client = sign_in(org.reviewer)
    assert client.post("/accounts/2fa/backup-codes/")["Location"].startswith("/accounts/2fa/verify/")
    client.post("/accounts/2fa/verify/", {"code": code_for(device)})
    assert "剩余 10 个备用码" in client.get("/accounts/2fa/").content.decode()
    body = client.post("/accounts/2fa/backup-codes/").content.decode()
    assert body.count("<li><code>") == 10 and codes[0] not in body
    assert '<a class="btn" href="/">' in body
    assert client.get("/accounts/2fa/backup-codes/").status_code == 405
    with pytest.raises(Exception, match="验证码不正确"):
        twofactor.otp_verify(org.reviewer, codes[1])


def test_off_by_default_nobody_is_asked_and_later_pages_cost_no_check(org, django_assert_num_queries):
    assert django_settings.OTP_REQUIRED_ROLES == []
    client = sign_in(org.dispatcher)
    assert client.get("/notifications/").status_code == 200
    assert client.session[twofactor.EXEMPT_SESSION_KEY] == org.dispatcher.pk
    # Whoever enrolled of their own accord is asked all the same.
    enrol(org.reporter)
    assert sign_in(org.reporter).get("/")["Location"] == "/accounts/2fa/verify/?next=%2F"


def test_the_verification_page_does_not_redirect_off_site(org, enforced, clock):
    device, _codes = enrol(org.dispatcher)
    client = sign_in(org.dispatcher)
    response = client.post("/accounts/2fa/verify/", {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_an_api_token_for_an_enforced_role_needs_the_code_and_tokens_keep_working(org, enforced, clock):
    url = "/api/v1/auth/token/"
    client = Client()
    response = client.post(url, {"username": "p_dispatcher", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "otp_setup_required"
    device, codes = enrol(org.dispatcher)
    response = client.post(url, {"username": "p_dispatcher", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "otp_required"
    assert "otp_code" in response.json()["errors"]
    response = client.post(url, {"username": "p_dispatcher", "password": PASSWORD, "otp_code": "99999999"},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "otp_invalid"
    response = client.post(url, {"username": "p_dispatcher", "password": PASSWORD, "otp_code": code_for(device)},
                           content_type="application/json")
    assert response.status_code == 429 and response.json()["code"] == "otp_throttled"  # right after a wrong one
    clock.shift(datetime.timedelta(seconds=30))
    response = client.post(url, {"username": "p_dispatcher", "password": PASSWORD, "otp_code": code_for(device)},
                           content_type="application/json")
    assert response.status_code == 200, response.json()
    token = response.json()["token"]
    # The token is not held up by the second factor: it was issued with one.
    listed = Client().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listed.status_code == 200
    # A role not enforced and not enrolled gets a token with the password alone, as before.
    response = client.post(url, {"username": "p_reporter", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200
