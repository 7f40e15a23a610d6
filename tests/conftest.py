"""Shared fixtures: the personas of every role and the test-wide settings.

Tests run against the real PostgreSQL and Redis named by DATABASE_URL / REDIS_URL (see the Makefile).
"""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _test_settings(settings):
    from config.celery import app as celery_app

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "http://testserver"
    # Tasks enqueued on commit run in-process so their effects can be asserted; the embedded-mode
    # test starts a real worker and beat.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    cache.clear()
    # Per-process copies (immutable list versions, the calendar) must not outlive the test's database rows.
    from governance.calendar import clear_process_copy
    from responsibilities.selectors import clear_process_items
    from responsibilities.views import clear_rendered

    clear_process_copy()
    clear_process_items()
    clear_rendered()


@pytest.fixture
def org(db):
    """A small 示范县: two townships, a dispatch centre, two departments and a persona per role."""
    from tests.personas import build_org

    return build_org()


@pytest.fixture
def client_for(client):
    """client_for(user) -> a Django test client signed in as that user (None: anonymous)."""
    from django.test import Client

    def make(user):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make
