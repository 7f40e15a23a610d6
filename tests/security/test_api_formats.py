"""Issue 16, defects 1 and 8: hostile bodies are 400s in the API's documented error body, and every
response under /api/ and /open311/ is in its documented format, errors (a malformed multipart body, a
500) included."""

import pytest
from django.test import Client
from django.urls import path

pytestmark = pytest.mark.django_db


def _is_api_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) >= {"detail", "code"}
    return body


@pytest.mark.parametrize("opener", ["[", "{\"a\":"])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(opener):
    body = opener * 1000 + ("]" if opener == "[" else "1}") * 1000
    response = Client().post("/api/v1/auth/token/", body, content_type="application/json")
    error = _is_api_error(response, 400)
    assert error["code"] == "parse_error"
    assert "errors" in error


def test_brackets_inside_json_strings_do_not_count_as_depth(org):
    body = '{"username": "' + "[{" * 70 + '", "password": "x"}'
    response = Client().post("/api/v1/auth/token/", body, content_type="application/json")
    assert _is_api_error(response, 400)["code"] == "invalid_credentials"


def test_an_oversized_json_body_is_refused_before_parsing(settings):
    settings.API_JSON_MAX_BYTES = 1024
    body = '{"username": "' + "a" * 2000 + '", "password": "x"}'
    response = Client().post("/api/v1/auth/token/", body, content_type="application/json")
    assert _is_api_error(response, 400)["code"] == "parse_error"


def test_malformed_multipart_body_is_the_api_error_body(org):
    response = Client().generic(
        "POST", "/api/v1/auth/token/", b"--xx\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb",
        content_type="multipart/form-data",  # no boundary: Django's parser refuses it
    )
    _is_api_error(response, 400)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_malformed_multipart_to_open311_is_an_open311_error(db, fmt):
    response = Client().generic("POST", f"/open311/v2/requests.{fmt}", b"garbage",
                                content_type="multipart/form-data; boundary=")
    assert response.status_code == 400
    if fmt == "json":
        assert response.json()[0]["code"] == 400
    else:
        assert b"<errors>" in response.content


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("api/v1/boom/", _boom),
    path("open311/v2/boom.json", _boom),
    path("open311/v2/boom.xml", _boom),
    path("pages/boom/", _boom),
]


@pytest.fixture
def boom_urls(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False


def test_a_500_under_the_api_is_the_api_error_body(boom_urls):
    body = _is_api_error(Client(raise_request_exception=False).get("/api/v1/boom/"), 500)
    assert body["code"] == "server_error"
    assert "a bug" not in body["detail"]


def test_a_500_under_open311_is_an_open311_error(boom_urls):
    client = Client(raise_request_exception=False)
    response = client.get("/open311/v2/boom.json")
    assert response.status_code == 500 and response.json()[0]["code"] == 500
    response = client.get("/open311/v2/boom.xml")
    assert response.status_code == 500 and b"<errors>" in response.content


def test_a_500_on_a_page_stays_the_html_error_page(boom_urls):
    response = Client(raise_request_exception=False).get("/pages/boom/")
    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")


def test_a_csrf_refusal_under_the_api_is_the_api_error_body(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.dispatcher)
    response = client.post("/api/v1/lists/", {}, content_type="application/json")
    _is_api_error(response, 403)
