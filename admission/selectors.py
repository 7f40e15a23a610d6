"""Reads of admission requests, with the access rules built in (admission.permissions)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from admission import permissions
from admission.models import (
    DECIDED_STATES,
    AdmissionEvent,
    AdmissionRequest,
    AdmissionState,
    ArrivalStatus,
    CheckStep,
    ResourceArrival,
)
from governance.models import Unit, UnitKind

LIST_RELATED = ["department", "county"]
PUBLIC_STATES = [AdmissionState.APPROVED, AdmissionState.RETIRED]


def request_list_for_user(user):
    """Every request the user may see: their department's (drafts included), and, once submitted, those
    their review scope, their township or their supervision covers. Staff administrators see all."""
    qs = AdmissionRequest.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if permissions.is_admin(user):
        return qs
    q = Q(department__in=permissions.proposer_departments(user))
    submitted = ~Q(state=AdmissionState.DRAFT)
    scope_units = list(permissions.reviewer_units(user))
    paths = [permissions._government_path(u) for u in scope_units]
    paths += [m.path for m in _supervised_governments(user)]
    for path in paths:
        q |= submitted & Q(county__path__startswith=path)
    townships = permissions.township_units(user)
    if townships:
        q |= submitted & (
            Q(townships__in=townships)
            | Q(all_townships=True, county__in=[t.parent_id for t in townships])
        )
    return qs.filter(pk__in=AdmissionRequest.objects.filter(q).values("pk"))


def _supervised_governments(user):
    from governance.models import Role
    from governance.selectors import memberships_of

    return [m.unit for m in memberships_of(user) if m.role == Role.SUPERVISOR and m.unit.kind == UnitKind.GOVERNMENT]


def get_request_for_user(user, pk):
    qs = request_list_for_user(user).select_related(*LIST_RELATED, "created_by", "decided_by", "target_list")
    try:
        request = qs.filter(pk=pk).first()
    except (ValueError, TypeError):  # an id that is not a number (the API's path takes any text) is nothing
        request = None
    if request is None:
        raise Http404(_("没有找到该准入申请，或您无权查看。"))
    return request


def get_editable_for_user(user, pk):
    request = get_request_for_user(user, pk)
    if not permissions.proposer_unit(user, request):
        raise PermissionDenied(_("只有申请部门的人员可以修改该申请。"))
    return request


def affected_townships(request):
    if request.all_townships:
        return list(Unit.objects.filter(
            parent=request.county, level="township", kind=UnitKind.GOVERNMENT, is_active=True
        ).order_by("sort_order", "code"))
    return list(request.townships.order_by("sort_order", "code"))


def request_events(request):
    return list(AdmissionEvent.objects.filter(request=request).select_related("actor_unit").order_by("created_at", "id"))


def latest_checks(request):
    """{step: the latest AdmissionCheck} for the three review steps."""
    latest = {}
    for check in request.checks.select_related("reviewer").order_by("created_at", "id"):
        latest[check.step] = check
    return {step: latest.get(step) for step in CheckStep.values}


def applicable_versions(request):
    """The published list versions that apply to the townships the request affects (once each)."""
    from responsibilities.selectors import published_versions_for_units

    return list(published_versions_for_units(affected_townships(request)).select_related("duty_list__jurisdiction"))


def conflict_check(request, limit=6):
    from admission.conflicts import nearest_items

    text = " ".join([request.title, request.title, request.description])
    return nearest_items(text, applicable_versions(request), limit)


def department_missing_resources(request):
    """Admitted duties of the same department where a township reported a resource 未到位 (flag at review)."""
    missing = ResourceArrival.objects.filter(resource__request=OuterRef("pk"), status=ArrivalStatus.MISSING)
    return list(
        AdmissionRequest.objects.filter(department_id=request.department_id, state=AdmissionState.APPROVED)
        .exclude(pk=request.pk).filter(Exists(missing)).order_by("-decided_at")
    )


def arrival_checklist(request):
    return list(
        ResourceArrival.objects.filter(resource__request=request)
        .select_related("resource", "township", "updated_by").order_by("township__sort_order", "township__code",
                                                                        "resource__position", "resource_id")
    )


def arrival_summary(request):
    rows = ResourceArrival.objects.filter(resource__request=request).values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


# --- Registry and figures -------------------------------------------------------------------------


def registry(user, *, department=None, state=None, township=None):
    qs = request_list_for_user(user).select_related(*LIST_RELATED)
    if department:
        qs = qs.filter(department_id=department)
    if state:
        qs = qs.filter(state=state)
    if township:
        qs = qs.filter(Q(townships__id=township) | Q(all_townships=True, county__children__id=township)).distinct()
    return qs.annotate(resource_count=Count("resources", distinct=True)).order_by("-created_at", "-id")


def department_figures(qs):
    """Per department: requests, decided, approved, approval rate, resources per admitted duty, and the share
    of admitted duties whose every reported resource arrived. Three aggregate queries."""
    base = AdmissionRequest.objects.filter(pk__in=qs.values("pk"))
    rows = {
        r["department"]: r for r in base.values("department").annotate(
            total=Count("pk", distinct=True),
            decided=Count("pk", filter=Q(state__in=DECIDED_STATES), distinct=True),
            approved=Count("pk", filter=Q(state__in=[AdmissionState.APPROVED, AdmissionState.RETIRED]), distinct=True),
        )
    }
    resources = dict(
        base.filter(state=AdmissionState.APPROVED).values("department").annotate(n=Count("resources")).values_list(
            "department", "n")
    )
    not_arrived = ResourceArrival.objects.filter(resource__request=OuterRef("pk")).exclude(status=ArrivalStatus.ARRIVED)
    arrived = dict(
        base.filter(state=AdmissionState.APPROVED).filter(~Exists(not_arrived)).values("department")
        .annotate(n=Count("pk")).values_list("department", "n")
    )
    admitted_now = dict(
        base.filter(state=AdmissionState.APPROVED).values("department").annotate(n=Count("pk")).values_list(
            "department", "n")
    )
    units = {u.pk: u for u in Unit.objects.filter(pk__in=rows)}
    out = []
    for dept_id, row in rows.items():
        admitted = admitted_now.get(dept_id, 0)
        out.append({
            "department": units[dept_id],
            "total": row["total"],
            "decided": row["decided"],
            "approved": row["approved"],
            "approval_rate": round(100 * row["approved"] / row["decided"]) if row["decided"] else None,
            "resources_per_duty": round(resources.get(dept_id, 0) / admitted, 1) if admitted else None,
            "arrived_share": round(100 * arrived.get(dept_id, 0) / admitted) if admitted else None,
        })
    out.sort(key=lambda r: (r["department"].sort_order, r["department"].code))
    return out


# --- Public ----------------------------------------------------------------------------------------


def public_register():
    return (
        AdmissionRequest.objects.filter(state__in=PUBLIC_STATES).select_related(*LIST_RELATED)
        .prefetch_related("resources").order_by("-decided_at", "-id")
    )


def public_request_get(number):
    request = public_register().filter(number=number).first()
    if request is None:
        raise Http404(_("没有找到该准入记录。"))
    return request


def public_admission_info(refs):
    """The lists' provenance resolver (registered in AdmissionConfig.ready): ref -> AdmissionInfo."""
    from responsibilities.provenance import AdmissionInfo

    out = {}
    for request in public_register().filter(number__in=refs):
        flags = []
        if request.state == AdmissionState.RETIRED:
            flags.append(_("已经复核退出"))
        if ResourceArrival.objects.filter(resource__request=request, status=ArrivalStatus.MISSING).exists():
            flags.append(_("有乡镇（街道）反馈资源未到位"))
        out[request.number] = AdmissionInfo(
            number=request.number,
            decided_on=timezone.localdate(request.decided_at) if request.decided_at else None,
            legal_basis=request.legal_basis,
            resources=[(r.get_kind_display(), r.summary) for r in request.resources.all()]
            or [(_("随附资源"), _("无（理由：%(reason)s）") % {"reason": request.no_resources_reason})],
            url=reverse("admission:public_detail", args=[request.number]),
            flags=flags,
        )
    return out


def waiting_counts(user, now):
    """What waits behind the home tile, for the roles the user holds: [(count, label, tone)], one aggregate query."""
    from django.utils.translation import gettext as _

    review = [AdmissionState.SUBMITTED, AdmissionState.CONSULTATION]
    reviewing = bool(permissions.reviewer_units(user))
    townships = permissions.township_units(user)
    departments = permissions.proposer_departments(user)
    answered = Exists(TownshipCommentModel().objects.filter(request=OuterRef("pk"), township__in=townships))
    totals = request_list_for_user(user).order_by().annotate(answered=answered).aggregate(
        waiting=Count("pk", filter=Q(state__in=review)),
        overdue=Count("pk", filter=Q(state__in=review, due_at__lt=now)),
        to_comment=Count("pk", filter=Q(state=AdmissionState.CONSULTATION, answered=False)),
        returned=Count("pk", filter=Q(state=AdmissionState.RETURNED, department__in=departments)),
    )
    out = []
    if reviewing:
        out += [(totals["waiting"], _("件待审查"), "action"), (totals["overdue"], _("件已超时"), "danger")]
    if townships:
        out.append((totals["to_comment"], _("件待提意见"), "action"))
    if departments:
        out.append((totals["returned"], _("件退回修改"), "action"))
    return out


def TownshipCommentModel():  # noqa: N802 - the model class, imported late like the others above
    from admission.models import TownshipComment

    return TownshipComment
