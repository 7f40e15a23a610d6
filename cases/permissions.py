"""Who may do what on which case. Pure functions over the user's memberships (cached per request by
governance.selectors.memberships_of); no queries beyond the memberships and, for assisting
departments, one look at the case's assisting ids.

Visibility (who may see a case) is the query in cases.selectors.case_list_for_user; the predicates
here decide actions and mirror the same rules for one case:
    reporter      a REPORTER of the case's township
    dispatcher    a DISPATCHER of a dispatch centre whose county contains the township
    lead officer  an OFFICER of the lead department
    assisting     an OFFICER of an assisting department (may see and comment, not act)
    supervisor    a SUPERVISOR of a unit whose subtree holds the township or a responsible department
"""

from governance.models import LEVEL_ORDER, Level, Role, UnitKind
from governance.selectors import dispatch_covers, memberships_of

# Levels whose supervisors may reassign a case (the county and above: they command departments).
_COMMAND_LEVELS = set(LEVEL_ORDER[: LEVEL_ORDER.index(Level.COUNTY) + 1])


def _memberships(user, role):
    return [m for m in memberships_of(user) if m.role == role]


def reporter_unit(user, case):
    for m in _memberships(user, Role.REPORTER):
        if m.unit_id == case.township_id:
            return m.unit
    return None


def dispatch_unit(user, case):
    """The dispatch centre the user works in that covers the case's township (its parent's subtree)."""
    for m in _memberships(user, Role.DISPATCHER):
        if dispatch_covers(m.unit, case.township):
            return m.unit
    return None


def lead_officer_unit(user, case):
    if case.lead_department_id is None:
        return None
    for m in _memberships(user, Role.OFFICER):
        if m.unit_id == case.lead_department_id:
            return m.unit
    return None


def _assisting_ids(case):
    cached = getattr(case, "_assisting_ids", None)
    if cached is None:
        cached = {u.pk for u in case.assisting_departments.all()}
        case._assisting_ids = cached
    return cached


def assisting_officer_unit(user, case):
    officer_units = _memberships(user, Role.OFFICER)
    if not officer_units:
        return None
    ids = _assisting_ids(case)
    for m in officer_units:
        if m.unit_id in ids:
            return m.unit
    return None


def supervisor_unit(user, case, *, command=False):
    """A unit in which the user supervises this case. With command=True only county-or-higher
    governments count (they may reassign between departments)."""
    paths = [case.township.path]
    if case.lead_department_id:
        paths.append(case.lead_department.path)
    for m in _memberships(user, Role.SUPERVISOR):
        unit = m.unit
        if command and not (unit.kind == UnitKind.GOVERNMENT and unit.level in _COMMAND_LEVELS):
            continue
        if command:
            if case.township.path.startswith(unit.path):
                return unit
            continue
        if any(p.startswith(unit.path) for p in paths):
            return unit
    return None


# --- Who may take each action (the `who` column of cases.workflow, which adds states and conditions) --
# Each returns the unit the user acts for (recorded on the CaseEvent) or None when not allowed.


def can_withdraw(user, case):
    return reporter_unit(user, case)


def can_refuse_unadmitted(user, case):
    return reporter_unit(user, case)


def duty_is_unadmitted(case):
    """The case cites a list item that has no admission record and is not a legacy (存量) duty."""
    from responsibilities.provenance import item_provenance

    item = case.list_item
    if item is None:
        return False
    cached = getattr(case, "_unadmitted", None)
    if cached is None:
        cached = item_provenance(item, item.version.duty_list).kind == "unadmitted"
        case._unadmitted = cached
    return cached


def can_triage(user, case):
    return dispatch_unit(user, case)


can_assign = can_triage
can_return = can_triage


def can_claim(user, case):
    return lead_officer_unit(user, case)


can_decline = can_claim
can_resolve = can_claim


def can_reassign(user, case):
    return dispatch_unit(user, case) or supervisor_unit(user, case, command=True)


def can_request_info(user, case):
    return dispatch_unit(user, case) or lead_officer_unit(user, case)


def can_answer_info(user, case):
    return reporter_unit(user, case)


can_feedback = can_answer_info


def can_comment(user, case):
    """Anyone who may see the case may add a note, except through a read-only role (an assessor reads the
    cases behind its figures, never acts on them); the selector's query (cases.selectors.case_actable_by)."""
    from cases.selectors import case_actable_by

    return case_actable_by(user, case)


def can_decide_extension(user, case):
    return dispatch_unit(user, case) or supervisor_unit(user, case)


def can_see_resident(user, case):
    """群众点单 personal data: the reporting township, the dispatch centre and the lead department need it
    to call the resident back; supervisors and assisting departments do not."""
    return bool(reporter_unit(user, case) or dispatch_unit(user, case) or lead_officer_unit(user, case))
