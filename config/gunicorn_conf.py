"""Gunicorn settings, shared by every way the web server is started.

`make run` (Procfile), docker-compose and the embedded-mode test all run
    gunicorn config.wsgi:application --config config/gunicorn_conf.py
so they differ only in the environment:
    WEB_BIND      address:port to listen on (default 127.0.0.1:8000; the container uses 0.0.0.0:8000)
    WEB_WORKERS   worker processes (default 2)
    WEB_TIMEOUT   seconds before a stuck request's worker is restarted (default 60)
Logs go to stdout as JSON lines, like the rest of the platform (settings.LOGGING).
"""

import os
import runpy
from pathlib import Path

# Read by path, not imported: gunicorn loads this file before the project is on sys.path, and
# importing the governance package would also start the Celery app.
_logging_config = runpy.run_path(str(Path(__file__).with_name("logging_config.py")))
JSON_FORMATTER = _logging_config["JSON_FORMATTER"]
# The filter class itself (the module is not importable by name yet): api_key=... in an access line is redacted.
REDACT_FILTER = {"()": _logging_config["RedactSecretsFilter"]}


def _int(name, default):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        # Fail loudly, like config.env: a typo must not start a server with surprising settings.
        raise SystemExit(f"Environment variable {name}={raw!r} is not an integer.") from None


bind = os.environ.get("WEB_BIND", "").strip() or "127.0.0.1:8000"
workers = _int("WEB_WORKERS", 2)
timeout = _int("WEB_TIMEOUT", 60)
graceful_timeout = 20
# No control socket in $HOME: several servers on one machine (make run beside the embedded-mode
# test, or a container with a read-only home) would fight over the same file.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
# Keep the client address in access logs; the request id (if a proxy sets one) helps tracing.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": JSON_FORMATTER,
    },
    "filters": {"redact": REDACT_FILTER},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json",
                   "filters": ["redact"]},
    },
    # Gunicorn merges this over its defaults, whose root logger names a "console" handler: replace it.
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
