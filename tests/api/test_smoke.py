def test_schema_and_docs_are_served(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/cases/{id}/claim/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content


def test_the_openapi_schema_validates_without_warnings(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    assert '"/api/v1/cases/{id}/extension-decision/"' in out.getvalue()


def test_a_session_client_must_send_the_csrf_token_for_actions(org):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(org.reporter)
    response = client.post("/api/v1/cases/", {"title": "t", "description": "d", "address": "a"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_unknown_api_addresses_answer_in_json_and_a_missing_slash_redirects(org, api_for):
    client = api_for(org.reporter)
    response = client.get("/api/v1/nowhere/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get("/api/v1/cases").status_code == 301


def test_the_browsable_api_renders_for_a_signed_in_person(org, duty, client_for):
    """The HTML view of the API (for people trying it in a browser) must not break on any GET endpoint."""
    from tests.api.conftest import case_in_state

    case = case_in_state(org, duty, "assigned")
    client = client_for(org.dispatcher)
    paths = [f"/api/v1/cases/{case.pk}/", f"/api/v1/cases/{case.pk}/assign/", f"/api/v1/versions/{duty.version.pk}/items/",
             "/api/v1/cases/", "/api/v1/units/", "/api/v1/departments/", "/api/v1/lists/", "/api/v1/versions/",
             "/api/v1/items/", "/api/v1/items/search/?q=x", f"/api/v1/units/{org.dept.pk}/"]
    for path in paths:
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code in (200, 400, 405), path
        assert response["Content-Type"].startswith("text/html"), path
