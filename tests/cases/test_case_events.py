"""The audit trail is append-only in the database, not just in Python."""

import pytest
from django.db import DatabaseError, connection, transaction

from cases.models import CaseEvent

pytestmark = pytest.mark.django_db


def test_event_delete_raises_in_python(flow):
    event = flow.reported().events.get()
    with pytest.raises(PermissionError):
        event.delete()
    event.reason = "改写"
    with pytest.raises(PermissionError):
        event.save()


def test_database_refuses_update_of_an_event(flow):
    case = flow.reported()
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(case=case).update(reason="tampered")
    assert CaseEvent.objects.get(case=case).reason == ""


def test_database_refuses_delete_of_an_event_even_in_raw_sql(flow):
    case = flow.reported()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_caseevent WHERE case_id = %s", [case.pk])
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_every_transition_of_the_main_path_leaves_one_event(flow):
    case = flow.closed()
    assert [e.action for e in case.events.all()] == [
        "case.reported", "case.assigned", "case.claimed", "case.resolved", "case.closed"]
    assert [(e.from_state, e.to_state) for e in case.events.all()][1:] == [
        ("reported", "assigned"), ("assigned", "assigned"), ("assigned", "resolved"), ("resolved", "closed")]


def test_state_cannot_be_assigned_by_hand(flow):
    case = flow.reported()
    with pytest.raises(AttributeError):
        case.state = "closed"
