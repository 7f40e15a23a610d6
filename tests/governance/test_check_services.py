"""scripts/check_services.py, run by `make test` first: a missing PostgreSQL or Redis stops the run
with a message saying which one and how to start it (the suite never skips silently)."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(**env):
    return subprocess.run(  # noqa: S603
        [sys.executable, "scripts/check_services.py"], cwd=ROOT, env={**os.environ, **env},
        capture_output=True, text=True, timeout=60,
    )


def test_it_passes_when_postgres_and_redis_answer():
    result = run()
    assert result.returncode == 0, result.stderr
    assert "services ok" in result.stdout


def test_it_names_an_unreachable_postgres_and_how_to_start_it():
    result = run(DATABASE_URL="postgres://postgres@127.0.0.1:1/chuishao")
    assert result.returncode == 1
    assert "PostgreSQL is not reachable at 127.0.0.1:1" in result.stderr
    assert "pg_ctlcluster" in result.stderr
    assert "Redis" not in result.stderr


def test_it_names_an_unreachable_redis_and_how_to_start_it():
    result = run(REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 1
    assert "Redis is not reachable" in result.stderr
    assert "redis-server --daemonize yes" in result.stderr


def test_it_refuses_sqlite_for_the_test_suite():
    result = run(DATABASE_URL="sqlite:///tmp/x.sqlite3")
    assert result.returncode == 1
    assert "must point at PostgreSQL" in result.stderr
