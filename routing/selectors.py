"""Reads for the routing pages, with the access check built in.

Department profiles are edited by list editors (and list administrators) for the departments in their
jurisdiction: the same scope rule as the lists they edit (responsibilities.permissions.editor_scope_q), so an
editor of 示范县 edits 示范县's departments' profiles and an editor of 示范市 those of the whole city.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from governance.models import Unit, UnitKind
from responsibilities.permissions import can_edit_any_list, can_edit_scope, editor_scope_q


def _departments():
    return Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True).select_related("parent", "routing_profile")


def profile_departments_for_editor(user):
    """The departments whose routing profiles this user may edit (one query, profiles joined)."""
    if not can_edit_any_list(user):
        raise PermissionDenied(_("只有清单编辑和系统管理员可以维护部门职责画像。"))
    return list(_departments().filter(editor_scope_q(user, "path")).order_by("parent__path", "sort_order", "code"))


def profile_department_for_editor(user, code):
    """One department for its profile's edit page, or 404 (unknown) / 403 (outside the editor's jurisdiction)."""
    unit = _departments().filter(code=code).first()
    if unit is None:
        raise Http404(_("没有找到该部门。"))
    if not can_edit_scope(user, unit):
        raise PermissionDenied(_("该部门不在您的辖区内，不能修改其职责画像。"))
    return unit


def profile_events(unit, limit=20):
    """The latest profile edits of a department, each with `changes`: [(field label, old, new)] for display."""
    from routing.models import DepartmentProfile, DepartmentType, ProfileEvent

    types = dict(DepartmentType.choices)
    events = list(ProfileEvent.objects.filter(unit=unit).select_related("actor")[:limit])
    for event in events:
        event.changes = []
        for name, (old, new) in (event.data or {}).get("changes", {}).items():
            if name == "dept_type":
                old, new = types.get(old, old), types.get(new, new)
            label = DepartmentProfile._meta.get_field(name).verbose_name
            event.changes.append((label, old, new))
    return events
