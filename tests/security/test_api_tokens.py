"""Issue 16, defect 7: API tokens expire, are revoked by a password change or deactivation, can be seen and
revoked by their owner, and the token answer is never cached."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(username="p_officer"):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")


def _client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_token_answer_is_not_cached_and_says_when_it_expires(org, settings):
    settings.API_TOKEN_TTL_HOURS = 24
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC), tick=False):
        response = _sign_in()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json()["expires_at"].startswith("2026-03-03T")


def test_a_token_stops_working_when_it_expires_and_sign_in_gives_a_new_one(org, settings):
    settings.API_TOKEN_TTL_HOURS = 24
    start = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        key = _sign_in().json()["token"]
        assert _client(key).get("/api/v1/cases/").status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        response = _client(key).get("/api/v1/cases/")
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"
        fresh = _sign_in().json()["token"]
        assert fresh != key
        assert _client(fresh).get("/api/v1/cases/").status_code == 200


def test_a_password_change_revokes_the_token(org):
    key = _sign_in().json()["token"]
    org.officer.set_password("a-new-password-2026")
    org.officer.save()
    assert _client(key).get("/api/v1/cases/").status_code == 401
    assert not Token.objects.filter(user=org.officer).exists()


def test_deactivation_revokes_the_token(org):
    key = _sign_in().json()["token"]
    org.officer.is_active = False
    org.officer.save(update_fields=["is_active"])
    assert not Token.objects.filter(key=key).exists()


def test_saving_a_user_without_changing_the_password_keeps_the_token(org):
    key = _sign_in().json()["token"]
    org.officer.first_name = "新名字"
    org.officer.save()
    assert _client(key).get("/api/v1/cases/").status_code == 200


def test_a_user_sees_and_revokes_their_own_token(org):
    key = _sign_in().json()["token"]
    client = _client(key)
    shown = client.get("/api/v1/auth/token/")
    assert shown.status_code == 200
    body = shown.json()
    assert body["key_prefix"] == key[:6] and "token" not in body
    assert body["created"] and body["expires_at"]
    assert "no-store" in shown["Cache-Control"]
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert client.get("/api/v1/cases/").status_code == 401
    assert not Token.objects.filter(user=org.officer).exists()


def test_seeing_tokens_needs_a_sign_in(db):
    assert APIClient().get("/api/v1/auth/token/").status_code == 401


def test_an_old_token_created_before_expiry_existed_is_honoured_until_its_ttl(org, settings):
    settings.API_TOKEN_TTL_HOURS = 1
    token = Token.objects.create(user=org.officer)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(hours=2))
    assert _client(token.key).get("/api/v1/cases/").status_code == 401
