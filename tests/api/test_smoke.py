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
