"""Who sees the findings (堵点) of a county: its supervisors (county government, or a city/province above) and its
list editors, who act on them. Departments and townships do not see the ranking of jams."""

from governance.models import Level, Role, Unit, UnitKind
from governance.selectors import memberships_of

ROLES = (Role.SUPERVISOR, Role.EDITOR)
HIGHER = (Level.CENTRAL, Level.PROVINCE, Level.CITY)


def membership_unit_reads(unit):
    """Whether a supervisor's or editor's membership of `unit` gives findings to read (the home tile asks too)."""
    return unit.kind == UnitKind.GOVERNMENT and (unit.level == Level.COUNTY or unit.level in HIGHER)


def counties_for(user):
    """The county governments whose findings the user may read, ordered by path."""
    county_ids, higher_paths = set(), []
    for m in memberships_of(user):
        if m.role not in ROLES or not membership_unit_reads(m.unit):
            continue
        if m.unit.level == Level.COUNTY:
            county_ids.add(m.unit.pk)
        else:
            higher_paths.append(m.unit.path)
    counties = Unit.objects.filter(level=Level.COUNTY, kind=UnitKind.GOVERNMENT)
    found = {u.pk: u for u in counties.filter(pk__in=county_ids)}
    for path in higher_paths:
        found.update({u.pk: u for u in counties.filter(path__startswith=path)})
    return sorted(found.values(), key=lambda u: u.path)


# --- Revision proposals (修订建议) -------------------------------------------------------------------------
# Who proposes: an editor of the list (responsibilities' own editor scope rule), or an officer or supervisor of
# a department the finding concerns (the department it names, or the item's owning department). Who reviews and
# places the change in the draft: an editor of the list, never the proposer himself (so a department cannot
# accept its own proposal, and an editor's own proposal needs a second editor). Who sees a proposal: the
# county's readers (above), the proposer's unit, the departments concerned and the townships whose cases are
# its evidence.

DEPARTMENT_ROLES = (Role.OFFICER, Role.SUPERVISOR)
TOWNSHIP_ROLES = (Role.REPORTER, Role.SUPERVISOR)


def department_units(user):
    """The departments in which the user is an officer or supervisor."""
    return [m.unit for m in memberships_of(user) if m.role in DEPARTMENT_ROLES and m.unit.is_department]


def township_units(user):
    return [m.unit for m in memberships_of(user) if m.role in TOWNSHIP_ROLES and m.unit.is_township]


def reads_county(user, county):
    return any(c.pk == county.pk for c in counties_for(user))


def can_propose(user, *, duty_list, department_ids):
    """May `user` propose a revision of `duty_list` for a finding concerning `department_ids`?"""
    from responsibilities.permissions import can_edit_list

    if can_edit_list(user, duty_list):
        return True
    return any(unit.pk in department_ids for unit in department_units(user))


def proposer_unit_for(user, *, duty_list, department_ids):
    """The unit a proposal is made in the name of: the department concerned, else the editor's unit."""
    from responsibilities.permissions import editor_units

    for unit in department_units(user):
        if unit.pk in department_ids:
            return unit
    for unit in editor_units(user):
        if duty_list.jurisdiction.path.startswith(unit.path):
            return unit
    return None


def can_review(user, proposal):
    from responsibilities.permissions import can_edit_list

    return can_edit_list(user, proposal.duty_list) and user.pk != proposal.proposer_id


def proposal_visibility_q(user):
    """The proposals `user` may see, as a query (the same rule as can_see_proposal)."""
    from django.db.models import Q

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    from responsibilities.permissions import editor_scope_q, is_list_admin

    if is_list_admin(user):
        return Q()
    q = Q(county__in=[c.pk for c in counties_for(user)]) | Q(proposer=user)
    q |= editor_scope_q(user, "duty_list__jurisdiction__path")
    departments = [u.pk for u in department_units(user)]
    if departments:
        q |= Q(proposer_unit__in=departments) | Q(finding__unit__in=departments) | Q(item_department__in=departments)
    townships = [u.pk for u in township_units(user)]
    if townships:
        from insights.models import RevisionProposal

        through = RevisionProposal.townships.through.objects.filter(unit_id__in=townships)
        q |= Q(pk__in=through.values("revisionproposal_id"))
    return q
