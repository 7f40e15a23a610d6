import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_sees_public_home_with_login_link(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "基层吹哨，部门报到" in body
    assert reverse("login") in body


def test_reporter_home_names_their_township_and_role(org, client_for):
    response = client_for(org.reporter).get(reverse("home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "城关街道" in body
    assert "上报人员" in body


def test_user_without_membership_is_told_to_contact_admin(org, client_for):
    body = client_for(org.nobody).get(reverse("home")).content.decode()
    assert "还没有分配单位和角色" in body
