"""Strict readers for settings that come from the environment.

Every helper raises ImproperlyConfigured on a value it cannot parse, so a typo in a
deployment's environment stops start-up instead of silently falling back to a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_MISSING = object()


def _raw(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        if default is _MISSING:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return None
    return value.strip()


def env_str(name, default=_MISSING):
    value = _raw(name, default)
    return default if value is None else value


def env_bool(name, default=_MISSING):
    value = _raw(name, default)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={value!r} is not a boolean (use one of 1/0, true/false, yes/no, on/off)."
    )


def env_int(name, default=_MISSING, *, minimum=None, maximum=None):
    value = _raw(name, default)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"Environment variable {name}={number} is below the minimum {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"Environment variable {name}={number} is above the maximum {maximum}.")
    return number


def env_float(name, default=_MISSING, *, minimum=None, maximum=None):
    value = _raw(name, default)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not a number.") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"Environment variable {name}={number} is outside {minimum}..{maximum}.")
    return number


def env_url_template(name, default="", *, placeholders=()):
    """An http(s) URL template such as a map tile server's ("https://t0.example/{z}/{x}/{y}.png"); empty
    means "not configured". Refused when it is not http(s) or lacks one of `placeholders`."""
    value = env_str(name, default) or ""
    if not value:
        return ""
    if not value.startswith(("https://", "http://")):
        raise ImproperlyConfigured(f"Environment variable {name} must start with https:// or http://.")
    missing = [p for p in placeholders if p not in value]
    if missing:
        raise ImproperlyConfigured(f"Environment variable {name} lacks {', '.join(missing)}.")
    return value


def env_list(name, default=_MISSING):
    """A comma-separated list; empty items are dropped."""
    value = _raw(name, default)
    if value is None:
        return list(default) if default is not None else []
    return [part.strip() for part in value.split(",") if part.strip()]


def env_choice(name, choices, default=_MISSING):
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} must be one of {sorted(choices)}.")
    return value
