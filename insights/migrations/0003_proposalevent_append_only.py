"""ProposalEvent is append-only in the database itself, as cases.CaseEvent and admission.AdmissionEvent are."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION insights_proposalevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'insights_proposalevent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER insights_proposalevent_no_update_delete
    BEFORE UPDATE OR DELETE ON insights_proposalevent
    FOR EACH ROW EXECUTE FUNCTION insights_proposalevent_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS insights_proposalevent_no_update_delete ON insights_proposalevent;
DROP FUNCTION IF EXISTS insights_proposalevent_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER insights_proposalevent_no_update BEFORE UPDATE ON insights_proposalevent
       BEGIN SELECT RAISE(ABORT, 'insights_proposalevent is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER insights_proposalevent_no_delete BEFORE DELETE ON insights_proposalevent
       BEGIN SELECT RAISE(ABORT, 'insights_proposalevent is append-only: DELETE refused'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS insights_proposalevent_no_update;",
    "DROP TRIGGER IF EXISTS insights_proposalevent_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("insights", "0002_revision_proposals")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
