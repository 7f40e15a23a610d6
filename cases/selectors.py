"""Reads for cases, with the access check built in. The HTML views and the API both use these.

Visibility rules (issue 4), one query for all of them (`_visibility_q`):
- township staff (reporters, township supervisors): their township's cases;
- officers: cases whose lead or assisting department is theirs;
- dispatchers: cases of townships in their dispatch centre's county;
- supervisors: cases whose township or lead/assisting department lies in their unit's subtree.
Anyone else sees nothing: a case outside this set is a 404, never a 403 that confirms it exists.
"""

from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from cases import deadlines
from cases.models import OPEN_STATES, Case, CaseEvent, CaseState
from governance.models import Role, Unit, UnitKind
from governance.selectors import dispatch_coverage_q, memberships_of

# Columns every list shows: one JOIN each, never a query per row.
LIST_RELATED = ("township", "lead_department", "list_item", "claimed_by")


def _visibility_q(user, *, acting=False):
    """The cases the user may see; with acting=True, only through a role that may act on them (an
    assessor's reading does not count)."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    q = Q(pk__in=[])
    assisting = Case.assisting_departments.through.objects.filter(case_id=OuterRef("pk"))
    for m in memberships_of(user):
        unit = m.unit
        if m.role == Role.REPORTER:
            q |= Q(township_id=unit.pk)
        elif m.role == Role.OFFICER:
            q |= Q(lead_department_id=unit.pk) | Exists(assisting.filter(unit_id=unit.pk))
        elif m.role == Role.DISPATCHER:
            q |= dispatch_coverage_q([unit])
        elif m.role == Role.SUPERVISOR or (m.role == Role.ASSESSOR and not acting):
            # An assessor reads (never acts on) the cases behind its subtree's figures, like a supervisor.
            q |= (
                Q(township__path__startswith=unit.path)
                | Q(lead_department__path__startswith=unit.path)
                | Exists(assisting.filter(unit__path__startswith=unit.path))
            )
    return q


def case_list_for_user(user):
    """The cases this user may see (no ordering or related loading imposed)."""
    return Case.objects.filter(_visibility_q(user))


def case_visible_to(user, case):
    if getattr(case, "_visible_to_user_id", None) == getattr(user, "pk", None) is not None:
        return True  # this very object came from get_case_for_user(user, ...) in this request
    return case_list_for_user(user).filter(pk=case.pk).exists()


def case_actable_by(user, case):
    """Whether the user sees the case through a role that may act on it (write a note, for instance)."""
    return Case.objects.filter(_visibility_q(user, acting=True), pk=case.pk).exists()


def get_case_for_user(user, pk):
    """The one access helper for a single case (HTML and API). Raises Http404 when the user may not
    see it. Services lock the row themselves (cases.services._lock)."""
    qs = case_list_for_user(user).select_related(*LIST_RELATED, "reporter", "dispatch_centre", "resolved_by")
    try:
        case = get_object_or_404(qs, pk=pk)
    except (ValueError, TypeError):
        raise Http404
    case._visible_to_user_id = user.pk
    return case


def case_list(queryset):
    return queryset.select_related(*LIST_RELATED)


def township_cases(user):
    """'My township's cases' for township staff: those waiting for the township (a result to rate, a
    question to answer) first, then newest first."""
    from django.db.models import BooleanField, ExpressionWrapper

    township_ids = [m.unit_id for m in memberships_of(user) if m.role in (Role.REPORTER, Role.SUPERVISOR)
                    and m.unit.is_township]
    waiting = ExpressionWrapper(
        Q(state=CaseState.RESOLVED) | Q(state__in=OPEN_STATES, info_requested_at__isnull=False),
        output_field=BooleanField(),
    )
    return (
        case_list(Case.objects.filter(township_id__in=township_ids))
        .annotate(waits_for_township=waiting)
        .order_by("-waits_for_township", "-created_at", "-id")
    )


def dispatch_units_of(user):
    return [m.unit for m in memberships_of(user) if m.role == Role.DISPATCHER and m.unit.kind == UnitKind.DISPATCH]


def triage_queue(user):
    """New and triaged cases of the dispatcher's county, oldest first (first come, first served)."""
    q = dispatch_coverage_q(dispatch_units_of(user))
    return case_list(Case.objects.filter(q, state__in=[CaseState.REPORTED, CaseState.TRIAGED])).order_by(
        "created_at", "id"
    )


def officer_departments(user):
    return [m.unit for m in memberships_of(user) if m.role == Role.OFFICER]


def department_queue(user):
    """Assigned cases where one of the officer's departments leads or assists: unclaimed first, then by
    deadline (nearest first)."""
    dept_ids = [u.pk for u in officer_departments(user)]
    assisting = Case.assisting_departments.through.objects.filter(case_id=OuterRef("pk"), unit_id__in=dept_ids)
    qs = Case.objects.filter(Q(lead_department_id__in=dept_ids) | Exists(assisting), state=CaseState.ASSIGNED)
    return case_list(qs).order_by(F("claimed_at").asc(nulls_first=True), F("due_at").asc(nulls_last=True), "id")


def supervision_list(user):
    """Everything under the supervisor's units: open cases first — flagged (reopened twice), then overdue,
    then reopened, then by deadline — and finished cases after them, newest first."""
    from django.db.models import BooleanField, ExpressionWrapper

    units = [m.unit for m in memberships_of(user) if m.role == Role.SUPERVISOR]
    if not units:
        return Case.objects.none()
    assisting = Case.assisting_departments.through.objects.filter(case_id=OuterRef("pk"))
    q = Q(pk__in=[])
    for unit in units:
        q |= (
            Q(township__path__startswith=unit.path)
            | Q(lead_department__path__startswith=unit.path)
            | Exists(assisting.filter(unit__path__startswith=unit.path))
        )
    is_open = ExpressionWrapper(Q(state__in=OPEN_STATES), output_field=BooleanField())
    overdue = ExpressionWrapper(
        deadlines.overdue_q(), output_field=BooleanField()
    )
    flagged = ExpressionWrapper(Q(state__in=OPEN_STATES, flagged_at__isnull=False), output_field=BooleanField())
    return (
        case_list(Case.objects.filter(q))
        .annotate(open_first=is_open, is_late=overdue, is_flagged=flagged)
        .order_by(
            "-open_first", "-is_flagged", "-is_late", "-reopen_count", F("due_at").asc(nulls_last=True), "-created_at",
            "-id",
        )
    )


def case_events(case):
    return CaseEvent.objects.filter(case=case).select_related("actor", "actor_unit").order_by("created_at", "id")


def case_attachments(case):
    return list(case.attachments.all())


def routing_for_case(case):
    """The routing service's answer for a case (its title, then its description), for the dispatcher."""
    from routing.services import suggest

    return suggest(f"{case.title}\n{case.description}", township=case.township, limit_items=8)


def departments_for_assignment(case):
    """Departments a dispatcher may choose: the departments of the township's county."""
    county_ids = case.township.ancestor_ids()
    return Unit.objects.filter(kind=UnitKind.DEPARTMENT, parent_id__in=county_ids, is_active=True).order_by(
        "sort_order", "code"
    )


def items_for_case(case):
    """All published items that apply to the case's township (for the assign/return forms)."""
    from responsibilities.models import ListItem
    from responsibilities.selectors import published_versions_for_unit

    return ListItem.objects.filter(version__in=published_versions_for_unit(case.township)).select_related(
        "department"
    ).order_by("kind", "position", "code")


def item_is_ours(query, township, *, limit=5):
    """'Is this ours?' for the report form: the routing service's answer for the township."""
    from routing.services import suggest

    return {"suggestion": suggest(query or "", township=township, limit_items=limit)}


def attachment_get_for_user(user, case_pk, attachment_pk):
    """A case's photo, after the same access check as the case page (HTML and API alike); 404 otherwise."""
    from django.http import Http404

    from cases.models import Attachment

    case = get_case_for_user(user, case_pk)
    attachment = Attachment.objects.filter(case=case, pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    return attachment
