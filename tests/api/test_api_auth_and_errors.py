"""Token sign-in (through django-axes), 401/400/404/409 bodies, throttling."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.personas import PASSWORD


def test_token_sign_in_returns_a_token_that_authenticates(org):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "p_reporter", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=org.reporter).key == token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/cases/").status_code == 200
    # The same token again, not a new one per sign-in.
    again = APIClient().post("/api/v1/auth/token/", {"username": "p_reporter", "password": PASSWORD}, format="json")
    assert again.json()["token"] == token


def test_token_sign_in_accepts_a_form_encoded_body_like_curl_data(org):
    response = APIClient().post("/api/v1/auth/token/", f"username=p_reporter&password={PASSWORD}",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=org.reporter).key


def test_a_revoked_token_no_longer_works(org):
    token = Token.objects.create(user=org.officer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/cases/").status_code == 200
    token.delete()  # what the admin's delete does
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_wrong_password_is_400_and_repeated_failures_lock_the_account_through_axes(org, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/api/v1/auth/token/", {"username": "p_reporter", "password": "wrong"}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_credentials"
    response = client.post("/api/v1/auth/token/", {"username": "p_reporter", "password": "wrong"}, format="json")
    assert response.status_code == 429 and response.json()["code"] == "locked_out"
    # Locked out even with the right password now.
    response = client.post("/api/v1/auth/token/", {"username": "p_reporter", "password": PASSWORD}, format="json")
    assert response.status_code == 429 and response.json()["code"] == "locked_out"
    assert not Token.objects.filter(user=org.reporter).exists()


def test_missing_fields_in_token_request_are_field_errors(db):
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


def test_anonymous_case_list_is_401_with_the_error_body(db):
    response = APIClient().get("/api/v1/cases/")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated" and body["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_malformed_json_is_a_400_not_a_500(org, api_for):
    response = api_for(org.reporter).post("/api/v1/cases/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_unknown_case_is_404_with_the_error_body(org, api_for):
    response = api_for(org.reporter).get("/api/v1/cases/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到，或您无权查看。", "code": "not_found"}


def test_anonymous_clients_are_throttled(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/min"}}
    client = APIClient()
    codes = [client.get("/api/v1/units/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/units/")
    assert response.json()["code"] == "throttled" and "Retry-After" in response


def test_token_clients_are_throttled_per_user(org, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "2/min"}}
    token = Token.objects.create(user=org.dispatcher)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert [client.get("/api/v1/cases/").status_code for _ in range(3)] == [200, 200, 429]
    # Another user has their own allowance.
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=org.officer).key}")
    assert other.get("/api/v1/cases/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/units/", "/api/v1/lists/", "/api/v1/items/"])
def test_public_reads_need_no_sign_in(db, path):
    assert APIClient().get(path).status_code == 200
