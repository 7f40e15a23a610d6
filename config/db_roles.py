"""Who may do what in the database: a migration owner and a runtime role.

The owner (MIGRATE_DATABASE_URL, the `owner` database alias) owns every table, creates triggers and
runs `manage.py migrate --database owner`. The web server, the worker and beat connect as the runtime
role (DATABASE_URL), which is not the owner and gets, after every migrate (post_migrate, when
DATABASE_RUNTIME_ROLE names it):
- SELECT, INSERT, UPDATE, DELETE on the ordinary tables and USAGE on their sequences;
- only SELECT and INSERT on the audit tables (APPEND_ONLY_TABLES): no UPDATE, DELETE or TRUNCATE, and as a
  non-owner it cannot ALTER TABLE ... DISABLE TRIGGER or DROP TRIGGER either.

Each audit row also carries a SHA-256 hash chained to the previous row of the same case / list (a
database trigger, so every writer is covered: services, the admin, a SQL console); `manage.py
verify_audit` recomputes the chains and reports the first broken link, detecting a change made by
someone holding the owner's rights who did not also rewrite every later hash.
"""

# table -> (the column the chain follows, the columns hashed). The column list is fixed here and in the
# migrations that install the triggers: adding a column to an audit table later does not break old links.
EVENT_TABLES = {
    "cases_caseevent": ("case_id", [
        "id", "case_id", "actor_id", "actor_name", "actor_unit_id", "action", "from_state", "to_state", "reason",
        "data", "created_at",
    ]),
    "responsibilities_listevent": ("duty_list_id", [
        "id", "duty_list_id", "version_number", "actor_id", "action", "item_code", "data", "created_at",
    ]),
}

# Append-only tables: the hash-chained audit tables and the log of views of residents' unmasked data
# (cases.privacy; its rows are trigger-protected but not chained).
APPEND_ONLY_TABLES = [*EVENT_TABLES, "cases_residentdataaccess"]


def grant_runtime_role(connection, role):
    """Grant `role` the runtime privileges described above on every table of the current schema."""
    from psycopg2 import sql

    with connection.cursor() as cursor:
        ident = sql.Identifier(role)
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
        cursor.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(ident))
        cursor.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(ident))
        cursor.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident))
        for table in APPEND_ONLY_TABLES:
            cursor.execute(sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(sql.Identifier(table), ident))


def grant_after_migrate(sender, using="default", **kwargs):
    """post_migrate: keep the runtime role's privileges in step with the tables migrations created."""
    from django.conf import settings
    from django.db import connections

    role = getattr(settings, "DATABASE_RUNTIME_ROLE", "")
    connection = connections[using]
    if role and connection.vendor == "postgresql" and sender.name == "governance":
        grant_runtime_role(connection, role)


def chain_digest(prev_hash, row_json_text):
    """The link: sha256(previous hash | the row's hashed columns as PostgreSQL's canonical jsonb text)."""
    import hashlib

    return hashlib.sha256(f"{prev_hash}|{row_json_text}".encode()).hexdigest()


def verify_chains(connection, table):
    """Yield (chain key, event id, problem) for every broken link of `table`'s chains (PostgreSQL)."""
    from psycopg2 import sql

    key, columns = EVENT_TABLES[table]
    query = sql.SQL(
        "SELECT {key}, id, prev_hash, hash, "
        "(SELECT jsonb_object_agg(k, to_jsonb(e) -> k) FROM unnest(%s::text[]) AS k)::text "
        "FROM {table} AS e ORDER BY {key}, id"
    ).format(key=sql.Identifier(key), table=sql.Identifier(table))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        cursor.execute(query, [columns])
        last_key, previous = object(), ""
        for chain, event_id, prev_hash, digest, row_text in cursor.fetchall():
            if chain != last_key:
                last_key, previous = chain, ""
            if prev_hash != previous:
                yield chain, event_id, "prev_hash does not match the previous event (an event was removed or reordered)"
            elif digest != chain_digest(previous, row_text):
                yield chain, event_id, "hash does not match the event's content (the event was changed)"
            previous = digest
