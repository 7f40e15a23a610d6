"""What every PostgreSQL benchmark does first: name its own database beside DATABASE_URL's, drop and create
it, and start Django on it. Imported by the bench_*.py scripts (run as `python bench/bench_x.py`, so this
folder is on sys.path); not a benchmark itself (`make bench` runs bench_*.py only, so this file is not run)."""

import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit


def bench_database_url(script, suffix):
    """(the server's URL, the benchmark database's URL, its name): DATABASE_URL's database name + suffix."""
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chuishao")
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit(f"{script} needs PostgreSQL: set DATABASE_URL=postgres://…")
    name = (parts.path.lstrip("/") or "chuishao") + suffix
    return url, urlunsplit(parts._replace(path=f"/{name}")), name


def recreate_database(admin_url, name, drop_only=False):
    import psycopg2

    conn = psycopg2.connect(urlunsplit(urlsplit(admin_url)._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def setup_django(url, *, migrate=True, environ=None):
    """Django on the benchmark database; `environ` is set as given (e.g. DEBUG), after the safe defaults."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    for key, value in (environ or {}).items():
        os.environ[key] = value
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def case_insert_columns(specific, script):
    """(columns, values) for `INSERT INTO cases_case (columns) SELECT values FROM generate_series(…) AS g`:
    `specific` gives the SQL of some fields (by field name or column); every other NOT NULL column gets a
    neutral value, so the benchmarks keep loading when the model gains a column."""
    from django.db import models

    from cases.models import Case

    columns, values = [], []
    for field in Case._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.name in specific or field.column in specific:
            values.append(specific.get(field.name, specific.get(field.column)))
        elif field.null:
            values.append("NULL")
        elif isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
            values.append("0")
        elif isinstance(field, models.BooleanField):
            values.append("false")
        elif isinstance(field, models.JSONField):
            values.append("'{}'::jsonb")
        elif isinstance(field, (models.CharField, models.TextField)):
            values.append("''")
        else:
            raise SystemExit(f"{script}: no value for NOT NULL column {field.column}")
    return columns, values


def empty_sweep_times(at, runs=20):
    """Milliseconds of `runs` deadline sweeps at `at`, each of which must find nothing due (after a warm-up
    for the connection, the system user, the caches and the URLconf a running worker has long imported)."""
    from cases import escalation

    escalation.sweep(at)
    escalation.case_url(0)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = escalation.sweep(at)
        times.append((time.perf_counter() - started) * 1000)
        assert result["escalated"] == 0 and result["warned"] == 0, result
    return times
