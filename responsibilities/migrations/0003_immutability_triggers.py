"""Database triggers that keep published list versions immutable, whatever writes to the tables
(services, the admin, a raw ORM call, a SQL console):

- no INSERT, UPDATE or DELETE of an item whose version is not a draft;
- a published or superseded version keeps its content (number, list, basis, note, effective date,
  publication time); the only change allowed is published -> superseded, once;
- a non-draft version cannot be deleted;
- the audit log (ListEvent) is append-only.

Both PostgreSQL (production, tests) and SQLite (the embedded local mode) get the same rules.
Errors are raised as integrity errors (SQLSTATE 23001 / SQLITE_CONSTRAINT), which Django turns into
django.db.IntegrityError.
"""

from django.db import migrations

PG_FORWARD = r"""
CREATE OR REPLACE FUNCTION responsibilities_item_guard() RETURNS trigger AS $$
DECLARE st varchar;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status INTO st FROM responsibilities_listversion WHERE id = OLD.version_id;
        IF st IS NOT NULL AND st <> 'draft' THEN
            RAISE EXCEPTION 'list item % belongs to a % version and cannot be changed', OLD.code, st
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT status INTO st FROM responsibilities_listversion WHERE id = NEW.version_id;
        IF st IS NOT NULL AND st <> 'draft' THEN
            RAISE EXCEPTION 'cannot add list item % to a % version', NEW.code, st
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER responsibilities_item_guard
    BEFORE INSERT OR UPDATE OR DELETE ON responsibilities_listitem
    FOR EACH ROW EXECUTE FUNCTION responsibilities_item_guard();

CREATE OR REPLACE FUNCTION responsibilities_version_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'list version % is % and cannot be deleted', OLD.id, OLD.status
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' THEN
        IF NEW.duty_list_id IS DISTINCT FROM OLD.duty_list_id
           OR NEW.number IS DISTINCT FROM OLD.number
           OR NEW.based_on_id IS DISTINCT FROM OLD.based_on_id
           OR NEW.change_note IS DISTINCT FROM OLD.change_note
           OR NEW.effective_date IS DISTINCT FROM OLD.effective_date
           OR NEW.published_at IS DISTINCT FROM OLD.published_at
           OR NEW.created_at IS DISTINCT FROM OLD.created_at
           OR (NEW.published_by_id IS DISTINCT FROM OLD.published_by_id AND NEW.published_by_id IS NOT NULL)
           OR NOT (NEW.status = OLD.status OR (OLD.status = 'published' AND NEW.status = 'superseded'))
           OR (NEW.superseded_at IS DISTINCT FROM OLD.superseded_at AND OLD.superseded_at IS NOT NULL)
        THEN
            RAISE EXCEPTION 'list version % is % and its content cannot be changed', OLD.id, OLD.status
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER responsibilities_version_guard
    BEFORE UPDATE OR DELETE ON responsibilities_listversion
    FOR EACH ROW EXECUTE FUNCTION responsibilities_version_guard();

CREATE OR REPLACE FUNCTION responsibilities_event_guard() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the list audit log is append-only' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER responsibilities_event_guard
    BEFORE UPDATE OR DELETE ON responsibilities_listevent
    FOR EACH ROW EXECUTE FUNCTION responsibilities_event_guard();
"""

PG_REVERSE = r"""
DROP TRIGGER IF EXISTS responsibilities_event_guard ON responsibilities_listevent;
DROP FUNCTION IF EXISTS responsibilities_event_guard();
DROP TRIGGER IF EXISTS responsibilities_version_guard ON responsibilities_listversion;
DROP FUNCTION IF EXISTS responsibilities_version_guard();
DROP TRIGGER IF EXISTS responsibilities_item_guard ON responsibilities_listitem;
DROP FUNCTION IF EXISTS responsibilities_item_guard();
"""

_NOT_DRAFT = "(SELECT status FROM responsibilities_listversion WHERE id = {ref}.version_id) <> 'draft'"
SQLITE_FORWARD = [
    f"""CREATE TRIGGER responsibilities_item_no_insert BEFORE INSERT ON responsibilities_listitem
        WHEN {_NOT_DRAFT.format(ref='NEW')}
        BEGIN SELECT RAISE(ABORT, 'cannot add an item to a published list version'); END""",
    f"""CREATE TRIGGER responsibilities_item_no_update BEFORE UPDATE ON responsibilities_listitem
        WHEN {_NOT_DRAFT.format(ref='OLD')} OR {_NOT_DRAFT.format(ref='NEW')}
        BEGIN SELECT RAISE(ABORT, 'items of a published list version cannot be changed'); END""",
    f"""CREATE TRIGGER responsibilities_item_no_delete BEFORE DELETE ON responsibilities_listitem
        WHEN {_NOT_DRAFT.format(ref='OLD')}
        BEGIN SELECT RAISE(ABORT, 'items of a published list version cannot be deleted'); END""",
    """CREATE TRIGGER responsibilities_version_no_change BEFORE UPDATE ON responsibilities_listversion
        WHEN OLD.status <> 'draft' AND (
            NEW.duty_list_id IS NOT OLD.duty_list_id OR NEW.number IS NOT OLD.number
            OR NEW.based_on_id IS NOT OLD.based_on_id OR NEW.change_note IS NOT OLD.change_note
            OR NEW.effective_date IS NOT OLD.effective_date OR NEW.published_at IS NOT OLD.published_at
            OR NEW.created_at IS NOT OLD.created_at
            OR (NEW.published_by_id IS NOT OLD.published_by_id AND NEW.published_by_id IS NOT NULL)
            OR NOT (NEW.status = OLD.status OR (OLD.status = 'published' AND NEW.status = 'superseded'))
            OR (NEW.superseded_at IS NOT OLD.superseded_at AND OLD.superseded_at IS NOT NULL))
        BEGIN SELECT RAISE(ABORT, 'a published list version cannot be changed'); END""",
    """CREATE TRIGGER responsibilities_version_no_delete BEFORE DELETE ON responsibilities_listversion
        WHEN OLD.status <> 'draft'
        BEGIN SELECT RAISE(ABORT, 'a published list version cannot be deleted'); END""",
    """CREATE TRIGGER responsibilities_event_no_update BEFORE UPDATE ON responsibilities_listevent
        BEGIN SELECT RAISE(ABORT, 'the list audit log is append-only'); END""",
    """CREATE TRIGGER responsibilities_event_no_delete BEFORE DELETE ON responsibilities_listevent
        BEGIN SELECT RAISE(ABORT, 'the list audit log is append-only'); END""",
]
SQLITE_TRIGGERS = [
    "responsibilities_item_no_insert", "responsibilities_item_no_update", "responsibilities_item_no_delete",
    "responsibilities_version_no_change", "responsibilities_version_no_delete",
    "responsibilities_event_no_update", "responsibilities_event_no_delete",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)  # None: the SQL holds literal % signs
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"No immutability triggers for database vendor {vendor!r}.")


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("responsibilities", "0002_list_event")]

    operations = [migrations.RunPython(forward, reverse)]
