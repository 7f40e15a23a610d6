"""Assessment has the same results on SQLite (the embedded `make run`): the figures, the close and its
triggers, the rules, run again in a child pytest with the embedded defaults (no DATABASE_URL, no REDIS_URL)."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_assessment_tests_pass_on_sqlite(tmp_path):
    env = dict(os.environ, DATABASE_URL="", TEST_DATABASE_URL="", REDIS_URL="", CELERY_BROKER_URL="",
               CHUISHAO_VAR_DIR=str(tmp_path / "var"))
    result = subprocess.run(  # noqa: S603 - our own test modules
        [sys.executable, "-m", "pytest", "tests/assessment/test_figures.py", "tests/assessment/test_rules.py",
         "tests/assessment/test_rollup.py", "-q", "-p", "no:logging", "-o", "addopts="],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "failed" not in result.stdout.strip().splitlines()[-1]
