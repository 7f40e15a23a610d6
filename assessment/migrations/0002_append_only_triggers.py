"""The assessment record is append-only in the database itself, like the case audit log (cases 0003):
UPDATE and DELETE are refused on the event log, the formula versions, the closed months, their frozen facts
and the reopenings. PostgreSQL in production and tests; SQLite in the embedded local mode. TRUNCATE is left
alone on purpose (test isolation truncates tables; no application code does).
"""

from django.db import migrations

TABLES = [
    "assessment_assessmentevent", "assessment_scoreformula", "assessment_monthclose", "assessment_frozenfact",
    "assessment_monthreopen",
]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION assessment_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION assessment_append_only();", params=None)
    elif vendor == "sqlite":
        for table in TABLES:
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;")


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};", params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS assessment_append_only();", params=None)
    elif vendor == "sqlite":
        for table in TABLES:
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op};")


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
