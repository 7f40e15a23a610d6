"""Units as a tree with a materialised path (governance.services / selectors)."""

import pytest
from django.core.exceptions import ValidationError

from governance.models import Level, Role, UnitKind
from governance.selectors import (
    has_role,
    members_with_role,
    memberships_of,
    roles_of,
    subtree_q,
    supervisors_of,
    unit_ancestors,
    unit_subtree,
)
from governance.services import membership_grant, system_user, unit_create, unit_update

pytestmark = pytest.mark.django_db


def test_ancestors_run_nearest_first_up_to_the_province(org):
    assert unit_ancestors(org.dept) == [org.county, org.city, org.province]
    assert unit_ancestors(org.province) == []


def test_a_department_belongs_to_the_jurisdiction_of_its_government(org):
    assert org.dept.jurisdiction() == org.county
    assert org.township.jurisdiction() == org.township


def test_subtree_of_a_county_holds_its_townships_and_departments_but_not_the_city(org):
    units = set(unit_subtree(org.county))
    assert {org.county, org.township, org.township_b, org.dept, org.dept_b, org.dispatch} == units
    from governance.models import Unit

    assert set(Unit.objects.filter(subtree_q([org.township, org.dept]))) == {org.township, org.dept}


def test_moving_a_township_rewrites_the_paths_of_everything_below_it(org):
    village = unit_create(code="V", name="城关村", level=Level.VILLAGE, kind=UnitKind.VILLAGE_COMMITTEE, parent=org.township)
    unit_update(unit=org.township, parent=org.city)
    village.refresh_from_db()
    assert org.township.path == f"{org.city.path}{org.township.pk}/"
    assert village.path == f"{org.township.path}{village.pk}/"
    assert unit_ancestors(village) == [org.township, org.city, org.province]


def test_a_unit_cannot_become_its_own_ancestor(org):
    with pytest.raises(ValidationError):
        unit_update(unit=org.county, parent=org.township)
    with pytest.raises(ValidationError):
        unit_update(unit=org.county, parent=org.county)


def test_roles_and_recipients_follow_active_memberships(org):
    assert roles_of(org.reporter) == {Role.REPORTER}
    assert has_role(org.officer, Role.OFFICER, org.dept)
    assert not has_role(org.officer, Role.OFFICER, org.dept_b)
    assert supervisors_of(org.dept) == [org.dept_supervisor]
    assert set(members_with_role(org.dept, Role.OFFICER)) == {org.officer, org.officer_a2}
    org.officer_a2.memberships.update(is_active=False)
    assert members_with_role(org.dept, Role.OFFICER) == [org.officer]


def test_granting_the_same_role_twice_keeps_one_membership(org):
    membership_grant(user=org.officer, unit=org.dept, role=Role.OFFICER, title="科长")
    memberships = memberships_of(org.officer.__class__.objects.get(pk=org.officer.pk))
    assert len(memberships) == 1 and memberships[0].title == "科长"


def test_system_user_is_named_and_cannot_sign_in(db):
    user = system_user()
    assert user == system_user()
    assert user.first_name == "系统" and not user.is_active and not user.has_usable_password()
