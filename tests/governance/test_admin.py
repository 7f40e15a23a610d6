"""The Django admin for units, people and memberships, as a non-programmer administrator uses it."""

import pytest
from django.urls import reverse

from governance.models import Level, Membership, Role, Unit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(org, client_for):
    return client_for(org.admin)


def test_admin_speaks_chinese_with_search_and_filters_for_units(admin_client, org):
    response = admin_client.get(reverse("admin:governance_unit_changelist"), {"q": "市场监督"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "示范县市场监督管理局" in body
    assert "示范县综合行政执法局" not in body
    for label in ["层级", "类型", "上级单位", "在职人数"]:
        assert label in body


def test_unit_list_filters_by_level(admin_client, org):
    response = admin_client.get(reverse("admin:governance_unit_changelist"), {"level__exact": Level.TOWNSHIP})
    names = {u.name for u in response.context["cl"].result_list}
    assert names == {"示范县城关街道", "示范县青石镇"}


def test_adding_a_unit_in_the_admin_builds_its_path(admin_client, org):
    response = admin_client.post(
        reverse("admin:governance_unit_add"),
        {
            "name": "示范县新村镇", "short_name": "新村镇", "code": "X-XC", "level": Level.TOWNSHIP,
            "kind": UnitKind.GOVERNMENT, "parent": org.county.pk, "email": "", "sort_order": 0, "is_active": "on",
            "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    unit = Unit.objects.get(code="X-XC")
    assert unit.path == f"{org.county.path}{unit.pk}/"


def test_moving_a_unit_in_the_admin_moves_its_subtree(admin_client, org):
    village = Unit.objects.create(code="V1", name="城关村", level=Level.VILLAGE, kind=UnitKind.VILLAGE_COMMITTEE,
                                  parent=org.township, path=f"{org.township.path}999999/")
    from governance.services import unit_update

    unit_update(unit=village, parent=org.township)  # normalise its path through the service
    response = admin_client.post(
        reverse("admin:governance_unit_change", args=[org.township.pk]),
        {
            "name": org.township.name, "short_name": org.township.short_name, "code": org.township.code,
            "level": Level.TOWNSHIP, "kind": UnitKind.GOVERNMENT, "parent": org.city.pk, "email": "",
            "sort_order": 0, "is_active": "on",
            "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    org.township.refresh_from_db()
    village.refresh_from_db()
    assert org.township.path == f"{org.city.path}{org.township.pk}/"
    assert village.path == f"{org.township.path}{village.pk}/"


def test_admin_refuses_to_put_a_unit_under_its_own_subtree(admin_client, org):
    response = admin_client.post(
        reverse("admin:governance_unit_change", args=[org.county.pk]),
        {
            "name": org.county.name, "short_name": "", "code": org.county.code, "level": Level.COUNTY,
            "kind": UnitKind.GOVERNMENT, "parent": org.township.pk, "email": "", "sort_order": 0, "is_active": "on",
            "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "不能把单位移到它自己的下级单位之下" in response.content.decode()
    org.county.refresh_from_db()
    assert org.county.parent_id == org.city.pk


def test_people_list_shows_units_and_roles_and_finds_by_unit_name(admin_client, org):
    response = admin_client.get(reverse("admin:auth_user_changelist"), {"q": "青石镇"})
    assert response.status_code == 200
    users = list(response.context["cl"].result_list)
    assert users == [org.reporter_b]
    assert "青石镇 · 上报人员（乡镇/街道）" in response.content.decode()


def test_a_person_page_edits_memberships_inline(admin_client, org):
    response = admin_client.get(reverse("admin:auth_user_change", args=[org.officer.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "任职" in body and "部门办理人员" in body


def test_membership_list_filters_by_role(admin_client, org):
    response = admin_client.get(reverse("admin:governance_membership_changelist"), {"role__exact": Role.OFFICER})
    assert response.status_code == 200
    assert {m.user for m in response.context["cl"].result_list} == {org.officer, org.officer_a2, org.officer_b}
    assert Membership.objects.count() > 3


def test_admin_is_closed_to_staff_less_users(org, client_for):
    response = client_for(org.supervisor).get(reverse("admin:governance_unit_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_lockout_records_an_administrator_deletes_to_unlock_are_labelled_in_chinese(admin_client, org, client):
    for _ in range(5):
        client.post("/accounts/login/", {"username": org.reporter.username, "password": "wrong"})
    response = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "登录失败记录（删除即解锁）" in body
    assert org.reporter.username in body
