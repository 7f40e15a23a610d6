"""Issue 16, defects 5 and 6: text emails are not HTML-escaped (HTML ones are), and secrets never reach a log line."""

import json
import logging

import pytest
from django.core import mail

from governance.emails import send_templated_email

pytestmark = pytest.mark.django_db

TITLE = "' OR 1=1-- <b>油烟</b> & \"投诉\""


def test_text_email_subject_and_body_read_as_typed_while_the_html_part_is_escaped(org):
    from governance.models import Notification

    notification = Notification(recipient=org.officer, kind="case.assigned", title=TITLE, body="第一行 <script>")
    send_templated_email("notification", to=["a@example.org"], context={"notification": notification, "link": ""})
    [message] = mail.outbox
    assert TITLE in message.subject
    assert "&#x27;" not in message.subject and "&lt;" not in message.subject
    assert TITLE in message.body and "第一行 <script>" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<b>油烟</b>" not in html and "&lt;b&gt;油烟&lt;/b&gt;" in html
    assert "<script>" not in html


def _formatted(logger_name, msg, args=()):
    from config.logging_config import RedactSecretsFilter, make_json_formatter

    record = logging.LogRecord(logger_name, logging.INFO, __file__, 1, msg, args, None)
    assert RedactSecretsFilter().filter(record)
    return json.loads(make_json_formatter().format(record))


@pytest.mark.parametrize("line", [
    '127.0.0.1 "GET /open311/v2/requests.json?api_key=s3cr3t-KEY&service_code=A HTTP/1.1" 200',
    '127.0.0.1 "POST /api/v1/x/?token=s3cr3t-KEY HTTP/1.1" 200',
    "login with password=s3cr3t-KEY failed",
    "Authorization: Token s3cr3t-KEY",
    '{"password": "s3cr3t-KEY"}',
])
def test_secrets_are_redacted_from_log_lines(line):
    out = _formatted("django", line)
    assert "s3cr3t-KEY" not in json.dumps(out)
    assert "[REDACTED]" in out["message"]


def test_gunicorn_access_log_lines_are_redacted():
    """Gunicorn formats its access line from a dict of atoms: the filter sees the final text."""
    from config.logging_config import RedactSecretsFilter

    atoms = {"h": "127.0.0.1", "r": "GET /open311/v2/requests.xml?api_key=s3cr3t-KEY HTTP/1.1", "s": "200"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s', (atoms,), None)
    RedactSecretsFilter().filter(record)
    assert "s3cr3t-KEY" not in record.getMessage()
    assert "api_key=[REDACTED]" in record.getMessage()


def test_every_configured_handler_redacts(settings):
    import runpy
    from pathlib import Path

    import config

    gunicorn = runpy.run_path(str(Path(config.__file__).with_name("gunicorn_conf.py")))
    for handlers in (settings.LOGGING["handlers"], gunicorn["logconfig_dict"]["handlers"]):
        for handler in handlers.values():
            assert "redact" in handler.get("filters", [])


def test_a_request_with_a_key_in_the_query_string_logs_no_key(db, client, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("django.request").warning("Not Found: %s", "/open311/v2/x.json?api_key=s3cr3t-KEY")
    from config.logging_config import RedactSecretsFilter

    for record in caplog.records:
        RedactSecretsFilter().filter(record)
        assert "s3cr3t-KEY" not in record.getMessage()


def test_the_request_extra_and_the_traceback_are_redacted():
    from config.logging_config import RedactSecretsFilter, make_json_formatter

    class FakeRequest:
        def __str__(self):
            return "<WSGIRequest: GET '/open311/v2/services.json?api_key=s3cr3t-KEY'>"

    try:
        raise ValueError("bad password=s3cr3t-KEY")
    except ValueError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
                                   ("/x",), sys.exc_info())
    record.request = FakeRequest()
    record.status_code = 500
    RedactSecretsFilter().filter(record)
    line = make_json_formatter().format(record)
    assert "s3cr3t-KEY" not in line
    assert "ValueError" in line and '"status_code": 500' in line
