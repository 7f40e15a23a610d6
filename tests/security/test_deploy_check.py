"""`manage.py check --deploy` is clean with the production values documented in .env.example."""

import os
import pathlib
import secrets
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def production_env():
    env = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            if value.strip():
                env[name.strip()] = value.strip()
    return env


def test_check_deploy_is_clean_with_the_documented_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_", "DEBUG", "DJANGO_ALLOW_ASYNC"))}
    env.update(production_env())
    env.update(SECRET_KEY=secrets.token_urlsafe(50), DJANGO_SETTINGS_MODULE="config.settings")
    assert env["DEBUG"] == "0"
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
