"""Login throttling per account, across addresses (password spraying).

django-axes locks a username *from one address* after AXES_FAILURE_LIMIT failures. An attacker who
tries one account from many addresses never reaches that limit; this backend, first in
AUTHENTICATION_BACKENDS, refuses every sign-in to an account (pages and API token alike) once it has
had ACCOUNT_FAILURE_LIMIT failures from anywhere within AXES_COOLOFF_TIME. The count lives in the
shared cache (Redis in production) and is cleared by a successful sign-in.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from config.cache import count_hit


def _key(username):
    digest = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def account_failures(username):
    return cache.get(_key(username), 0) or 0


def record_failure(sender, credentials, request=None, **kwargs):
    """user_login_failed: one more failure for the account, whichever address it came from."""
    key, ttl = _key(credentials.get("username")), int(settings.AXES_COOLOFF_TIME.total_seconds())
    count_hit(key, ttl)


def clear_failures(sender, user, request=None, **kwargs):
    """user_logged_in: the account's owner got in; earlier failures no longer count."""
    cache.delete(_key(user.get_username()))


class AccountThrottleBackend:
    """Refuses (PermissionDenied stops the other backends) an account over its failure limit."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and account_failures(username) >= settings.ACCOUNT_FAILURE_LIMIT:
            raise PermissionDenied("too many failed sign-ins for this account")
        return None

    # No get_user(): this backend never signs anyone in, so it is never the session's backend (and the
    # test client's force_login, which picks the first backend having get_user, skips it).
