"""Login, logout, django-axes lockout (by username + IP, with a cool-off) and idle session expiry."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client, username, password, ip="10.1.1.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_is_chinese_and_states_the_lockout_rule(client):
    body = client.get(LOGIN).content.decode()
    assert '<label for="id_username">用户名</label>' in body
    assert '<label for="id_password">密码</label>' in body
    assert "连续输错 5 次密码，账号将在本设备上锁定 15 分钟" in body


def test_correct_password_signs_in_and_lands_on_home(org, client):
    response = attempt(client, org.reporter.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == org.reporter


def test_wrong_password_is_refused_with_a_chinese_message_keeping_the_username(org, client):
    response = attempt(client, org.reporter.username, "wrong-password")
    assert response.status_code == 200
    body = response.content.decode()
    assert "请输入一个正确的" in body
    assert f'value="{org.reporter.username}"' in body
    assert not response.wsgi_request.user.is_authenticated


def test_login_redirects_to_a_local_next_but_not_to_another_site(org, client):
    response = client.post(
        LOGIN, {"username": org.reporter.username, "password": PASSWORD, "next": "/notifications/"}
    )
    assert response["Location"] == "/notifications/"
    other = client.post(
        LOGIN, {"username": org.officer.username, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert other["Location"] == reverse("home")


def test_logout_needs_post_and_ends_the_session(org, client_for):
    client = client_for(org.reporter)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_five_wrong_passwords_lock_the_username_from_that_ip(org, client):
    for _ in range(4):
        assert attempt(client, org.reporter.username, "wrong-password").status_code == 200
    locked = attempt(client, org.reporter.username, "wrong-password")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "账号已暂时锁定" in body
    assert "密码连续输错 5 次" in body
    assert "请在 15 分钟后再试" in body
    # Even the right password is refused while locked.
    again = attempt(client, org.reporter.username, PASSWORD)
    assert again.status_code == 429
    assert not again.wsgi_request.user.is_authenticated


def test_lockout_does_not_touch_another_ip_or_another_username(org, client):
    for _ in range(5):
        attempt(client, org.reporter.username, "wrong-password", ip="10.1.1.1")
    assert attempt(client, org.reporter.username, "wrong-password", ip="10.1.1.1").status_code == 429
    # The same person from another office's address can still sign in.
    assert attempt(client, org.reporter.username, PASSWORD, ip="10.2.2.2").status_code == 302
    client.post("/accounts/logout/")
    # Another account from the locked address is not affected.
    assert attempt(client, org.officer.username, PASSWORD, ip="10.1.1.1").status_code == 302


def test_lockout_ends_after_the_cool_off(org, client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            attempt(client, org.reporter.username, "wrong-password")
        traveller.shift(timedelta(minutes=16))
        response = attempt(client, org.reporter.username, PASSWORD)
        assert response.status_code == 302
        assert response.wsgi_request.user == org.reporter


def test_trying_again_while_locked_restarts_the_cool_off(org, client):
    """django-axes counts the cool-off from the latest attempt; the lockout page says so."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            attempt(client, org.reporter.username, "wrong-password")
        traveller.shift(timedelta(minutes=14))
        locked = attempt(client, org.reporter.username, PASSWORD)
        assert locked.status_code == 429
        assert "锁定期间再次尝试会重新计时" in locked.content.decode()
        traveller.shift(timedelta(minutes=14))
        assert attempt(client, org.reporter.username, PASSWORD).status_code == 429
        traveller.shift(timedelta(minutes=16))
        assert attempt(client, org.reporter.username, PASSWORD).status_code == 302


def test_successful_login_resets_the_failure_count(org, client):
    for _ in range(4):
        attempt(client, org.reporter.username, "wrong-password")
    assert attempt(client, org.reporter.username, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert attempt(client, org.reporter.username, "wrong-password").status_code == 200


def test_session_expires_after_thirty_minutes_without_a_request(org, client, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert attempt(client, org.reporter.username, PASSWORD).status_code == 302
        # Activity keeps the session alive (sliding expiry): 3 x 20 minutes is longer than 30.
        for _ in range(3):
            traveller.shift(timedelta(minutes=20))
            assert client.get(reverse("home")).context["user"] == org.reporter
        traveller.shift(timedelta(minutes=31))
        response = client.get(reverse("notifications"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
