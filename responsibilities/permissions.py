"""Who may edit which list.

A list editor (Membership role "editor") may edit the lists made by their own unit or by any unit
below it (an editor at 示范市 may edit 示范县's lists); active staff administrators may edit all.
Everybody may read published versions; drafts are visible to editors of the list only.
"""

from django.db.models import Q

from governance.models import Role
from governance.selectors import memberships_of, subtree_q


def editor_units(user):
    return [m.unit for m in memberships_of(user) if m.role == Role.EDITOR]


def is_list_admin(user):
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def can_edit_any_list(user):
    return is_list_admin(user) or bool(editor_units(user))


def editor_scope_q(user, field="jurisdiction__path"):
    """The editor's scope as a query (the same rule as can_edit_scope for one unit): rows whose `field` (a
    unit path) lies in the subtree of a unit where the user is a list editor; everything for a list
    administrator; nothing for anyone else. Used for the editable lists, the drafts one may see and
    the jurisdictions one may make a list for."""
    if is_list_admin(user):
        return Q()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    return subtree_q(editor_units(user), field)


def can_edit_scope(user, jurisdiction):
    """May `user` edit lists made by `jurisdiction` (a governance.Unit)?"""
    if is_list_admin(user):
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return any(jurisdiction.path.startswith(unit.path) for unit in editor_units(user))


def can_edit_list(user, duty_list):
    return can_edit_scope(user, duty_list.jurisdiction)
