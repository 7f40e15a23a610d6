"""The sweep has the same semantics on SQLite (the embedded `make run`) as on PostgreSQL.

cases.escalation has one path per database vendor (see its docstring); the PostgreSQL one is run by
test_sweep.py in the normal suite. This test runs the same module again in a child pytest with no
DATABASE_URL and no REDIS_URL, i.e. the embedded defaults: SQLite in WAL mode with BEGIN IMMEDIATE
transactions, the filesystem broker, the in-process cache.
"""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_sweep_tests_pass_on_sqlite(tmp_path):
    env = dict(os.environ, DATABASE_URL="", TEST_DATABASE_URL="", REDIS_URL="", CELERY_BROKER_URL="",
               CHUISHAO_VAR_DIR=str(tmp_path / "var"))
    result = subprocess.run(  # noqa: S603 - our own test module
        [sys.executable, "-m", "pytest", "tests/cases/test_sweep.py", "-q", "-p", "no:logging", "-rs",
         "-o", "addopts="],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary, summary
    # Only the tests about PostgreSQL's SKIP LOCKED and transactional flushing are skipped there.
    assert "2 skipped" in summary, summary
