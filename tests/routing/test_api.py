"""GET /api/v1/routing/suggest/: the contract, the errors, and the OpenAPI schema."""

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/routing/suggest/"


def test_a_signed_in_user_gets_the_verdict_departments_items_and_matched_words(org, county, client_for):
    response = client_for(org.reporter).get(URL, {"text": "有人在路边摆摊占道经营", "township": org.township.code})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"verdict", "confidence", "departments", "items", "matched", "model_version"}
    assert body["verdict"] == "department" and 0 <= body["confidence"] <= 1
    assert body["departments"][0] == {"code": org.dept_b.code, "name": org.dept_b.display_name, "type": "urban_management",
                                      "score": body["departments"][0]["score"]}
    assert body["items"][0]["code"] == "FM-002" and body["items"][0]["department"] == org.dept_b.code
    assert set(body["items"][0]) == {"code", "title", "kind", "department", "score"}
    assert "占道经营" in body["matched"]


def test_anonymous_callers_are_refused(client):
    response = client.get(URL, {"text": "占道经营"})
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_bad_input_is_a_400_with_the_fields(org, county, client_for):
    client = client_for(org.reporter)
    response = client.get(URL, {"text": ""})
    assert response.status_code == 400 and "text" in response.json()["errors"]
    response = client.get(URL, {"text": "占道经营", "township": org.dept.code})
    assert response.status_code == 400 and "township" in response.json()["errors"]
    response = client.get(URL, {"text": "占" * 2001})
    assert response.status_code == 400


def test_the_endpoint_is_documented_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/routing/suggest/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"text", "township"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    component = schema["components"]["schemas"][ref]
    assert set(component["properties"]) >= {"verdict", "confidence", "departments", "items", "matched"}
    assert "400" in operation["responses"] and "401" in operation["responses"]
