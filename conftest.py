"""Test-run defaults, set before Django loads settings, so a bare `pytest` behaves like `make test`:
PostgreSQL and Redis on 127.0.0.1 unless DATABASE_URL / REDIS_URL say otherwise."""

import os
import pathlib
import runpy

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chuishao")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Compiled catalogs are build products (not committed): make a bare `pytest` on a fresh clone
# compile them as `make test` does, so the English pages are tested against the current .po files.
runpy.run_path(str(pathlib.Path(__file__).parent / "scripts" / "compile_messages.py"))["main"]()

# pytest-django finishes Django's set-up in its pytest_configure hook once settings are loaded;
# load them now, with the defaults above in place.
from django.conf import settings  # noqa: E402

settings.DATABASES  # noqa: B018

# One set of browser fixtures (one Chromium per run) for every test folder.
pytest_plugins = ["tests.browser.fixtures"]
