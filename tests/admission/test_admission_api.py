"""The admission API refuses malformed input in its documented format (found by schemathesis)."""
def test_an_id_that_is_not_a_number_is_a_404_in_the_api_format(org):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(org.reviewer)
    response = client.post("/api/v1/admissions/%C3%83x/approve/", {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
