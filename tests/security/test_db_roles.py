"""Issue 16, defect 4: the audit log survives the application's own database role, and tampering by the
owner is detectable.

The runtime role is created on the test PostgreSQL inside the test's transaction (CREATE ROLE is
transactional, so it disappears with the rollback) and granted exactly what production grants it."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from cases.models import CaseEvent
from config.db_roles import APPEND_ONLY_TABLES, grant_runtime_role
from tests.api.conftest import case_in_state

pytestmark = pytest.mark.django_db

ROLE = "chuishao_runtime_test"


@pytest.fixture
def runtime_role(db):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {ROLE} NOLOGIN")
    grant_runtime_role(connection, ROLE)
    return ROLE


def _as_runtime(sql, params=None):
    """Run one statement as the runtime role in a savepoint; the DatabaseError's SQLSTATE, or None."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {ROLE}")
            cursor.execute(sql, params)
            cursor.execute("RESET ROLE")
    except DatabaseError as exc:
        return getattr(exc.__cause__, "pgcode", "?"), str(exc)
    return None


@pytest.mark.parametrize("statement", [
    "UPDATE cases_caseevent SET reason = 'changed' WHERE id = %(id)s",
    "DELETE FROM cases_caseevent WHERE id = %(id)s",
    "TRUNCATE cases_caseevent CASCADE",
    "ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_no_update_delete",
    "ALTER TABLE cases_caseevent DISABLE TRIGGER ALL",
    "DROP TRIGGER cases_caseevent_no_update_delete ON cases_caseevent",
    "DROP TRIGGER cases_caseevent_hash_chain ON cases_caseevent",
    "UPDATE responsibilities_listevent SET action = 'x'",
    "TRUNCATE responsibilities_listevent CASCADE",
    "ALTER TABLE responsibilities_listevent DISABLE TRIGGER ALL",
    "UPDATE cases_residentdataaccess SET actor_name = 'x'",
    "DELETE FROM cases_residentdataaccess",
    "TRUNCATE cases_residentdataaccess",
    "ALTER TABLE cases_residentdataaccess DISABLE TRIGGER ALL",
])
def test_the_runtime_role_cannot_alter_an_event_row_or_its_triggers(org, duty, runtime_role, statement):
    event = case_in_state(org, duty, "assigned").events.first()
    refused = _as_runtime(statement, {"id": event.pk})
    assert refused is not None, "the runtime role was allowed: " + statement
    code, message = refused
    assert code == "42501", message  # insufficient_privilege: refused by the grants, not by a trigger
    assert "permission denied" in message or "must be owner" in message
    assert CaseEvent.objects.filter(pk=event.pk, reason=event.reason).exists()


def test_the_runtime_role_can_do_the_applications_work(org, duty, runtime_role):
    case = case_in_state(org, duty, "assigned")
    assert _as_runtime("SELECT count(*) FROM cases_caseevent") is None
    assert _as_runtime(
        "INSERT INTO cases_caseevent (case_id, actor_name, action, from_state, to_state, reason, data, created_at,"
        " prev_hash, hash) VALUES (%(case)s, '系统', 'case.noted', '', '', '', '{}', now(), '', '')",
        {"case": case.pk}) is None
    assert _as_runtime("INSERT INTO cases_residentdataaccess (case_id, actor_name, channel, data, created_at)"
                       " VALUES (%(case)s, 'x', 'page', '{}', now())", {"case": case.pk}) is None
    assert _as_runtime("UPDATE cases_case SET title = 'renamed' WHERE id = %(case)s", {"case": case.pk}) is None
    assert _as_runtime("DELETE FROM django_session") is None


def test_the_runtime_role_owns_no_table(runtime_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s", [ROLE])
        assert cursor.fetchone()[0] == 0
        for table in APPEND_ONLY_TABLES:
            cursor.execute("SELECT has_table_privilege(%s, %s, 'TRUNCATE'), has_table_privilege(%s, %s, 'INSERT')",
                           [ROLE, table, ROLE, table])
            assert cursor.fetchone() == (False, True)


def test_every_event_is_chained_to_the_one_before_it(org, duty):
    case = case_in_state(org, duty, "claimed")
    events = list(CaseEvent.objects.filter(case=case).order_by("id").values("prev_hash", "hash"))
    assert len(events) >= 3
    assert events[0]["prev_hash"] == ""
    for before, after in zip(events, events[1:], strict=False):
        assert len(after["hash"]) == 64 and after["prev_hash"] == before["hash"]


def test_verify_audit_passes_on_an_intact_log_and_finds_a_change_made_by_the_owner(org, duty, capsys):
    case = case_in_state(org, duty, "claimed")
    call_command("verify_audit")
    assert "Audit chains intact." in capsys.readouterr().out
    victim = CaseEvent.objects.filter(case=case).order_by("id")[1]
    with connection.cursor() as cursor:  # what an owner can still do: switch the guard off, edit, switch it on
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending before ALTER TABLE
        cursor.execute("ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_no_update_delete")
        cursor.execute("UPDATE cases_caseevent SET reason = 'rewritten' WHERE id = %s", [victim.pk])
        cursor.execute("ALTER TABLE cases_caseevent ENABLE TRIGGER cases_caseevent_no_update_delete")
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit")
    assert caught.value.returncode == 1
    assert f"event {victim.pk}: hash does not match" in capsys.readouterr().err


def test_verify_audit_finds_a_deleted_event(org, duty, capsys):
    case = case_in_state(org, duty, "claimed")
    victim = CaseEvent.objects.filter(case=case).order_by("id")[1]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending before ALTER TABLE
        cursor.execute("ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_no_update_delete")
        cursor.execute("DELETE FROM cases_caseevent WHERE id = %s", [victim.pk])
        cursor.execute("ALTER TABLE cases_caseevent ENABLE TRIGGER cases_caseevent_no_update_delete")
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "prev_hash does not match" in capsys.readouterr().err


def test_list_events_are_chained_too(org, duty, capsys):
    from responsibilities.models import ListEvent

    hashes = list(ListEvent.objects.order_by("id").values_list("prev_hash", "hash"))
    assert hashes and all(len(h) == 64 for _prev, h in hashes)
    call_command("verify_audit", "--heads")
    out = capsys.readouterr().out
    assert "responsibilities_listevent:" in out and "0 broken links" in out
    assert f"head responsibilities_listevent {duty.version.duty_list_id} " in out


def test_migrate_grants_the_runtime_role_when_it_is_configured(settings, runtime_role):
    from django.apps import apps

    from config.db_roles import grant_after_migrate

    with connection.cursor() as cursor:
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE}")
    settings.DATABASE_RUNTIME_ROLE = ROLE
    grant_after_migrate(apps.get_app_config("governance"), using="default")
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'cases_case', 'UPDATE'),"
                       " has_table_privilege(%s, 'cases_caseevent', 'UPDATE')", [ROLE, ROLE])
        assert cursor.fetchone() == (True, False)
