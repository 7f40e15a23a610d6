"""Error pages a township clerk can understand: Chinese, with a way back, never Django's English defaults."""

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client

from governance.models import Notification
from governance.services import notification_send

pytestmark = pytest.mark.django_db


def test_unknown_page_is_a_chinese_404_with_a_way_home(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在，或您无权查看" in body
    assert 'href="/"' in body


def test_expired_form_explains_itself_instead_of_a_csrf_error(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.reporter)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "页面已过期，请重新提交" in body
    assert "CSRF" not in body


def test_server_error_page_stands_alone_in_chinese():
    body = render_to_string("500.html")
    assert "系统出错了" in body and "{%" not in body


def test_notification_email_has_a_text_and_an_html_part(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipients=[org.officer], kind="case.assigned", title="新交办事项", url="/cases/7/")
    message = mail.outbox[0]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="http://testserver/cases/7/"' in html
    assert "新交办事项" in message.body
    assert Notification.objects.get().emailed_at is not None
