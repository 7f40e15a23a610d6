"""The JSON log line format shared by Django/Celery (settings.LOGGING) and gunicorn (gunicorn_conf),
and the filter that keeps secrets out of every line.

Kept free of Django imports: gunicorn reads it before any Django code is loaded.
"""

import logging
import re

JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    # "time" is an ISO 8601 UTC timestamp: the same in web, worker and beat, whatever their TZ.
    "fmt": "%(levelname)s %(name)s %(message)s",
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": "time",
}

REDACTED = "[REDACTED]"
# Names whose values are secrets wherever they appear: a query string (?api_key=...), a form or JSON
# body quoted in an error, an Authorization header.
SECRET_NAMES = r"api_key|apikey|access_token|refresh_token|token|password|passwd|secret|sessionid|csrftoken|otp_token"  # noqa: S105 - names, not values
_PATTERNS = [
    # name=value (query strings, form bodies, "password=..." in a message)
    re.compile(rf"(?i)\b({SECRET_NAMES})=([^&\s\"',;]+)"),
    # "name": "value" (JSON) and 'name': 'value' (a repr of a dict)
    re.compile(rf"(?i)([\"']({SECRET_NAMES})[\"']\s*:\s*[\"'])([^\"']*)"),
    # Authorization: Token <key> / Bearer <key>
    re.compile(r"(?i)\b(Token|Bearer|Basic)\s+([A-Za-z0-9+/=._~-]{8,})"),
]


def redact(text):
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return _PATTERNS[2].sub(lambda m: f"{m.group(1)} {REDACTED}", text)


class RedactSecretsFilter(logging.Filter):
    """Replaces secret values in the final message of every record (also gunicorn's access line, which
    is formatted from a dict of atoms) and in an exception's text, before any handler formats it."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: leave the record for logging to report
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            # Formatted once here: the JSON formatter then prints exc_text instead of re-reading exc_info.
            record.exc_text = redact(record.exc_text or logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        # Extra fields (Django adds `request`, whose text is the full address with its query string).
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and value is not None and not isinstance(value, (int, float, bool)):
                text = str(value)
                cleaned = redact(text)
                if cleaned != text:
                    setattr(record, name, cleaned)
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

REDACT_FILTER = {"()": "config.logging_config.RedactSecretsFilter"}


def make_json_formatter():
    from pythonjsonlogger.json import JsonFormatter

    options = {k: v for k, v in JSON_FORMATTER.items() if k != "()"}
    return JsonFormatter(options.pop("fmt"), **options)
