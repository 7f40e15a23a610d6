"""Two officers claim the same case at the same moment over the API, on two real PostgreSQL connections:
one wins (200), the other gets 409 with a clear message, and there is exactly one claim."""

import threading

import pytest

from cases.models import CaseEvent
from tests.api.conftest import case_in_state


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_claims_give_one_winner_and_one_409(org, duty, api_for):
    from django.db import connection

    case = case_in_state(org, duty, "assigned")
    barrier = threading.Barrier(2)
    results = {}

    def claim(user):
        try:
            client = api_for(user)
            barrier.wait(timeout=10)
            response = client.post(f"/api/v1/cases/{case.pk}/claim/")
            results[user.username] = (response.status_code, response.json())
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=claim, args=(user,)) for user in (org.officer, org.officer_a2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(status for status, _ in results.values()) == [200, 409], results
    loser = next(body for status, body in results.values() if status == 409)
    assert loser["code"] == "conflict" and "签收" in loser["detail"]
    assert CaseEvent.objects.filter(case=case, action="case.claimed").count() == 1
