"""Login throttling per account across addresses: many addresses each trying one password on the same
account (password spraying) lock the account, on the login page and at the API token endpoint."""

import pytest
from rest_framework.test import APIClient

from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client, username, password, ip):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def spray(client, username, count):
    for n in range(count):
        response = attempt(client, username, f"guess-{n}", ip=f"10.9.{n // 250}.{n % 250 + 1}")
        assert response.status_code == 200  # each address failed once: axes' per-address lockout never triggers


def test_failures_from_many_addresses_lock_the_account(org, client, settings):
    settings.ACCOUNT_FAILURE_LIMIT = 20
    spray(client, org.officer.username, 20)
    response = attempt(client, org.officer.username, PASSWORD, ip="10.200.0.1")
    assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    token = APIClient().post("/api/v1/auth/token/", {"username": org.officer.username, "password": PASSWORD},
                             format="json", REMOTE_ADDR="10.200.0.2")
    assert token.status_code == 400 and "token" not in token.json()
    # Other accounts are not affected.
    assert attempt(client, org.reporter.username, PASSWORD, ip="10.200.0.1").status_code == 302


def test_below_the_account_limit_the_owner_signs_in_and_the_count_restarts(org, client, settings):
    settings.ACCOUNT_FAILURE_LIMIT = 20
    spray(client, org.officer.username.upper(), 19)  # usernames are counted case-insensitively
    assert attempt(client, org.officer.username, PASSWORD, ip="10.200.0.1").status_code == 302
    client.post("/accounts/logout/")
    spray(client, org.officer.username, 19)
    assert attempt(client, org.officer.username, PASSWORD, ip="10.200.0.1").status_code == 302
