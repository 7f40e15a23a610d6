"""The hash-chain trigger function shared by the audit tables (config.db_roles.EVENT_TABLES).

BEFORE INSERT, for each row: take a transaction-level advisory lock on the chain (one case, one list:
services already lock that row, so this never waits in practice), read the chain's last hash, and set
prev_hash and hash = sha256(prev_hash | the named columns as canonical jsonb). TimeZone is fixed to UTC
inside the function so the timestamp's text is the same whoever inserts. Arguments: the chain column,
then the hashed columns. PostgreSQL only; the embedded SQLite mode has no chain.
"""

from django.db import migrations

PG_FORWARD = r"""
CREATE OR REPLACE FUNCTION chuishao_chain_event() RETURNS trigger AS $$
DECLARE
    chain_key text := to_jsonb(NEW) ->> TG_ARGV[0];
    prev text;
    body text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(TG_TABLE_NAME || ':' || coalesce(chain_key, ''), 0));
    EXECUTE format('SELECT hash FROM %I WHERE %I = $1::bigint ORDER BY id DESC LIMIT 1', TG_TABLE_NAME, TG_ARGV[0])
        INTO prev USING chain_key;
    NEW.prev_hash := coalesce(prev, '');
    SELECT jsonb_object_agg(k, to_jsonb(NEW) -> k)::text INTO body FROM unnest(TG_ARGV[1:]) AS k;
    NEW.hash := encode(sha256(convert_to(NEW.prev_hash || '|' || body, 'UTF8')), 'hex');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql SET TimeZone = 'UTC';
"""
PG_BACKWARD = "DROP FUNCTION IF EXISTS chuishao_chain_event();"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("governance", "0003_notification_email_outbox")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
