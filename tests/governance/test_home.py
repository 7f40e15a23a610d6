"""The public home for visitors and a signed-in home per role, with tiles from governance.navigation."""

import pytest
from django.urls import reverse

from governance.models import Role
from governance.services import membership_grant

pytestmark = pytest.mark.django_db

# What each persona must be offered on the home page (URL names, in order).
EXPECTED_TILES = {
    "reporter": ["cases:report", "cases:township_list"],
    "reporter_b": ["cases:report", "cases:township_list"],
    "dispatcher": ["cases:triage_queue"],
    "officer": ["cases:department_queue"],
    "officer_b": ["cases:department_queue"],
    "supervisor": ["cases:supervision"],
    "dept_supervisor": ["cases:supervision"],
    "township_supervisor": ["cases:supervision"],
    "city_supervisor": ["cases:supervision"],
    "editor": ["responsibilities:editor_index"],
}


def tile_names(response):
    return [tile.get("name") for tile in response.context["tiles"]]


def test_anonymous_visitor_sees_public_home_with_login_link(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "基层吹哨，部门报到" in body
    assert reverse("login") in body
    assert 'lang="zh-CN"' in body


def test_anonymous_home_offers_the_public_lists_and_lookup(client):
    response = client.get(reverse("home"))
    assert tile_names(response) == ["responsibilities:index", "responsibilities:lookup"]
    body = response.content.decode()
    assert reverse("responsibilities:lookup") in body


@pytest.mark.parametrize("persona", sorted(EXPECTED_TILES))
def test_each_role_sees_the_tiles_for_its_work(org, client_for, persona):
    response = client_for(getattr(org, persona)).get(reverse("home"))
    assert response.status_code == 200
    assert tile_names(response) == EXPECTED_TILES[persona]
    body = response.content.decode()
    for name in EXPECTED_TILES[persona]:
        assert f'href="{reverse(name)}"' in body
    assert "还没有分配单位和角色" not in body


def test_reporter_home_names_their_township_and_role(org, client_for):
    body = client_for(org.reporter).get(reverse("home")).content.decode()
    assert "张晓燕，您好" in body
    assert "城关街道 · 上报人员（乡镇/街道）" in body


def test_a_person_with_two_roles_gets_both_sets_of_tiles_once_in_a_fixed_order(org, client_for):
    membership_grant(user=org.officer, unit=org.dept, role=Role.SUPERVISOR)
    membership_grant(user=org.officer, unit=org.dept_b, role=Role.OFFICER)
    membership_grant(user=org.supervisor, unit=org.township, role=Role.REPORTER)  # granted after supervisor
    names = tile_names(client_for(org.officer).get(reverse("home")))
    assert names == ["cases:department_queue", "cases:supervision"]
    names = tile_names(client_for(org.supervisor).get(reverse("home")))
    assert names == ["cases:report", "cases:township_list", "cases:supervision"]


def test_administrator_gets_the_admin_tile(org, client_for):
    response = client_for(org.admin).get(reverse("home"))
    assert reverse("admin:index") in [tile["url"] for tile in response.context["tiles"]]
    assert "还没有分配单位和角色" not in response.content.decode()


def test_user_without_membership_is_told_to_contact_admin(org, client_for):
    body = client_for(org.nobody).get(reverse("home")).content.decode()
    assert "还没有分配单位和角色" in body


def test_inactive_membership_gives_no_tiles(org, client_for):
    org.dispatcher.memberships.update(is_active=False)
    response = client_for(org.dispatcher).get(reverse("home"))
    assert tile_names(response) == []
    assert "还没有分配单位和角色" in response.content.decode()


def test_role_whose_pages_are_not_installed_is_not_told_it_has_no_role(org, client_for, monkeypatch):
    from governance import navigation

    monkeypatch.setitem(navigation.ROLE_TILES, Role.DISPATCHER, [("not_installed:page", "x", "y")])
    body = client_for(org.dispatcher).get(reverse("home")).content.decode()
    assert "还没有分配单位和角色" not in body
    assert "办理页面尚未开通" in body


def test_home_refuses_post(client):
    assert client.post(reverse("home")).status_code == 405
