"""Who may do what with admission requests. Pure functions over the user's memberships
(governance.selectors.memberships_of, cached per request); each returns the unit the user acts for
(recorded on the AdmissionEvent) or None.

    proposer    an OFFICER of the requesting department (a department of a county or higher level)
    reviewer    an ADMISSION_REVIEWER of a unit whose government contains the request's county
                (示范县 itself, or its 编办/司法局 under it, or a higher level)
    township    a REPORTER or SUPERVISOR of a township the request affects
    supervisor  a SUPERVISOR of a government whose subtree holds the request's county (reads only)
"""

from governance.models import LEVEL_ORDER, Level, Role, UnitKind
from governance.selectors import memberships_of

_PROPOSING_LEVELS = set(LEVEL_ORDER[: LEVEL_ORDER.index(Level.COUNTY) + 1])


def _government_path(unit):
    """The path of the government a unit belongs to (itself, or its parent for a department/centre)."""
    if unit.kind == UnitKind.GOVERNMENT:
        return unit.path
    return unit.path[: -len(f"{unit.pk}/")]


def proposer_departments(user):
    return [
        m.unit for m in memberships_of(user)
        if m.role == Role.OFFICER and m.unit.kind == UnitKind.DEPARTMENT and m.unit.level in _PROPOSING_LEVELS
    ]


def reviewer_units(user):
    return [m.unit for m in memberships_of(user) if m.role == Role.ADMISSION_REVIEWER]


def township_units(user):
    return [
        m.unit for m in memberships_of(user)
        if m.role in (Role.REPORTER, Role.SUPERVISOR) and m.unit.is_township
    ]


def proposer_unit(user, request):
    for unit in proposer_departments(user):
        if unit.pk == request.department_id:
            return unit
    return None


def reviewer_unit(user, request):
    county_path = request.county.path
    for unit in reviewer_units(user):
        if county_path.startswith(_government_path(unit)):
            return unit
    return None


def affects(request, township):
    if not township.is_township:
        return False
    if request.all_townships:
        return township.path.startswith(request.county.path)
    ids = getattr(request, "_township_ids", None)
    if ids is None:
        ids = {u.pk for u in request.townships.all()}
        request._township_ids = ids
    return township.pk in ids


def township_unit(user, request):
    for unit in township_units(user):
        if affects(request, unit):
            return unit
    return None


def supervisor_unit(user, request):
    for m in memberships_of(user):
        if m.role == Role.SUPERVISOR and m.unit.kind == UnitKind.GOVERNMENT and request.county.path.startswith(m.unit.path):
            return m.unit
    return None


def is_admin(user):
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def can_propose(user):
    return bool(proposer_departments(user))


def can_review_any(user):
    return bool(reviewer_units(user))


def actions_for(user, request):
    """The action names the user may take on the request now (for the page's forms and the API)."""
    from admission.models import EDITABLE_STATES, REVIEW_STATES, AdmissionState

    state = request.state
    actions = set()
    if state in EDITABLE_STATES and proposer_unit(user, request):
        actions.update({"edit", "attach", "submit"})
    if state in REVIEW_STATES and reviewer_unit(user, request):
        actions.update({"check", "return", "reject"})
        if state == AdmissionState.SUBMITTED:
            actions.add("consult")
        if state == AdmissionState.CONSULTATION:
            actions.add("approve")
    if state == AdmissionState.CONSULTATION and township_unit(user, request):
        actions.add("comment")
    if state == AdmissionState.APPROVED:
        if township_unit(user, request):
            actions.add("arrival")
        if reviewer_unit(user, request) and request.expires_on is not None:
            actions.update({"renew", "retire"})
    return actions
