"""`manage.py seed_demo`: a realistic 示范县 with one account per role; idempotent; refuses in production."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from governance.demo import DEMO_PASSWORD
from governance.models import Level, Membership, Role, Unit, UnitKind

pytestmark = pytest.mark.django_db

DEMO_ROLES = {
    "reporter": ("示范县城关街道", Role.REPORTER),
    "reporter2": ("示范县青石镇", Role.REPORTER),
    "dispatcher": ("示范县基层治理指挥中心", Role.DISPATCHER),
    "officer": ("示范县市场监督管理局", Role.OFFICER),
    "officer2": ("示范县综合行政执法局", Role.OFFICER),
    "supervisor": ("示范县人民政府", Role.SUPERVISOR),
    "editor": ("示范县人民政府", Role.EDITOR),
}


def row_counts():
    """Rows in every table of the project's apps and of auth: seeding twice must not change one."""
    models = [m for m in apps.get_models() if m._meta.app_label in {"governance", "responsibilities", "cases", "auth"}]
    return {m._meta.label: m._default_manager.count() for m in models}


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not Unit.objects.exists()


def test_seed_demo_runs_with_force_even_when_debug_is_off(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    assert Unit.objects.filter(code="SFX").exists()


def test_seed_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = row_counts()
    call_command("seed_demo")
    assert row_counts() == first


def test_seed_demo_builds_a_realistic_county(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    county = Unit.objects.get(code="SFX")
    assert county.name == "示范县人民政府" and county.level == Level.COUNTY
    assert county.parent.level == Level.CITY
    under_county = Unit.objects.filter(parent=county)
    assert under_county.filter(level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT).count() >= 6
    departments = set(under_county.filter(kind=UnitKind.DEPARTMENT).values_list("name", flat=True))
    assert len(departments) >= 10
    for word in ["市场监督", "住房和城乡建设", "生态环境", "交通运输", "水利", "应急管理", "自然资源", "综合行政执法", "卫生健康", "农业农村"]:
        assert any(word in name for name in departments), word
    assert under_county.filter(kind=UnitKind.DISPATCH).count() == 1
    # Materialised paths are consistent with parents (services built them).
    for unit in Unit.objects.select_related("parent"):
        expected = (unit.parent.path if unit.parent else "/") + f"{unit.pk}/"
        assert unit.path == expected


def test_each_demo_account_signs_in_with_the_published_password_and_holds_its_role(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    for username, (unit_name, role) in DEMO_ROLES.items():
        user = get_user_model().objects.get(username=username)
        assert user.is_active and user.check_password(DEMO_PASSWORD), username
        assert Membership.objects.filter(user=user, unit__name=unit_name, role=role, is_active=True).exists(), username
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password(DEMO_PASSWORD) and admin.is_staff and admin.is_superuser
    system = get_user_model().objects.get(username="system")
    assert not system.is_active and not system.has_usable_password()


def test_seed_demo_keeps_a_changed_password(settings):
    """Re-running the seed never resets what someone changed (running it again keeps the data)."""
    settings.DEBUG = True
    call_command("seed_demo")
    user = get_user_model().objects.get(username="reporter")
    user.set_password("a-new-password-2026")
    user.save()
    call_command("seed_demo")
    assert get_user_model().objects.get(username="reporter").check_password("a-new-password-2026")
