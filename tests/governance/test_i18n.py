"""Simplified Chinese by default; English on request through the header's language form."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_are_simplified_chinese_by_default(client):
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="").content.decode()
    assert '<html lang="zh-CN">' in body
    assert "基层吹哨，部门报到" in body


def test_header_offers_a_language_form_that_posts_to_set_language(client):
    body = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("set_language")}" method="post"' in body
    assert '<label for="language-select" class="visually-hidden">语言</label>' in body
    assert 'value="en"' in body and "English" in body


def test_switching_to_english_and_back(org, client_for):
    client = client_for(org.reporter)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in body
    assert "Hello, 张晓燕" in body
    assert "What I can do" in body
    assert "Sign out" in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")})
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-CN">' in body
    assert "张晓燕，您好" in body


def test_language_switch_does_not_redirect_to_another_site(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_lockout_page_reads_well_in_english(org, client):
    client.post(reverse("set_language"), {"language": "en"})
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": org.reporter.username, "password": "nope"})
    body = response.content.decode()
    assert response.status_code == 429
    assert "Account temporarily locked" in body
    assert "Please try again in 15 minutes" in body
