"""Desk work across many cases: the county-wide search with its Excel export and saved searches, the
bulk actions on a selection (each case through its own service, each audited), 下一件 for the dispatcher,
and the printable assignment sheet (交办单). Kept apart from cases.views, which holds the per-case actions.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import extensions, forms, search, selectors, services, workflow
from cases.audit import CaseAction
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.models import SavedSearch
from governance.models import Role
from governance.selectors import roles_of

PAGE_SIZE = 20
# A bulk action changes at most this many cases at once: one request, one transaction per case.
BULK_LIMIT = 100
STAFF_ROLES = (Role.REPORTER, Role.DISPATCHER, Role.OFFICER, Role.SUPERVISOR)


def _require_staff(user):
    if not roles_of(user) & set(STAFF_ROLES):
        raise PermissionDenied(_("您没有访问此页面的角色。"))


def _query_without(request, *names):
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
@require_GET
def case_search(request):
    """案件查询: every case the user may see (selectors.case_list_for_user), filtered and sorted."""
    _require_staff(request.user)
    filterset = search.case_search(request)
    if not filterset.is_valid():
        cases = selectors.case_list(selectors.case_list_for_user(request.user)).none()
    else:
        cases = filterset.qs
    if request.GET.get("export") == "xlsx" and filterset.is_valid():
        from responsibilities.imports import export_bytes

        response = HttpResponse(
            export_bytes(search.export_dataset(cases), "xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.xlsx"'
        return response
    roles = roles_of(request.user)
    page = selectors.case_page(cases, request.GET.get("page"), PAGE_SIZE)
    query = _query_without(request, "page", "export")
    context = {
        "filter": filterset,
        "page": page,
        "query": query,
        "page_query": query,
        "saved": SavedSearch.objects.filter(user=request.user).order_by("name"),
        "can_bulk_assign": Role.DISPATCHER in roles,
        "can_bulk_urge": Role.SUPERVISOR in roles,
        "bulk": forms.BulkAssignForm(items=_bulk_items(request.user), departments=search.departments_for_user(request.user)) if Role.DISPATCHER in roles else None,
        "urge_form": forms.BulkUrgeForm() if Role.SUPERVISOR in roles else None,
        "export_limit": search.EXPORT_LIMIT,
    }
    return render(request, "cases/search.html", context, status=200 if filterset.is_valid() else 400)


# --- Saved searches ----------------------------------------------------------------------------


@login_required
@require_POST
def saved_search_save(request):
    _require_staff(request.user)
    form = forms.SavedSearchForm(request.POST)
    if form.is_valid():
        search.saved_search_save(user=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"])
        messages.success(request, _("已保存查询“%(name)s”。") % {"name": form.cleaned_data["name"]})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(reverse("cases:search") + ("?" + form.data.get("query", "") if form.data.get("query") else ""))


@login_required
@require_POST
def saved_search_delete(request, pk):
    _require_staff(request.user)
    if not search.saved_search_delete(user=request.user, pk=pk):
        raise Http404
    messages.success(request, _("已删除保存的查询。"))
    return redirect("cases:search")


# --- Bulk actions ------------------------------------------------------------------------------


def _bulk_items(user):
    """Items a dispatcher may assign to: those of the townships their county's cases come from."""
    from responsibilities.models import ListItem
    from responsibilities.selectors import published_versions_for_units

    versions = published_versions_for_units(list(search.townships_for_user(user)))
    return ListItem.objects.filter(version__in=versions).select_related("department").order_by(
        "kind", "position", "code"
    )


def _selected_cases(request):
    ids = []
    for raw in request.POST.getlist("case")[:BULK_LIMIT]:
        try:
            ids.append(int(raw))
        except ValueError:
            continue
    return list(selectors.case_list(selectors.case_list_for_user(request.user)).filter(pk__in=ids).order_by("id"))


def _back(request):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("cases:search")


def _report(request, done, failed):
    if done:
        messages.success(request, _("已处理 %(n)d 件：%(numbers)s") % {"n": len(done), "numbers": "、".join(done)})
    for number, reason in failed:
        messages.error(request, _("%(number)s 未处理：%(reason)s") % {"number": number, "reason": reason})


def _message_of(exc):
    if isinstance(exc, ValidationError):
        return " ".join(m for m in exc.messages)
    return str(getattr(exc, "message", exc))


@login_required
@require_POST
def bulk_assign(request):
    """交办 several cases to one list item (and its department): services.case_assign for each, one
    transaction and one audit event per case; a case that cannot be assigned is named with the reason."""
    if Role.DISPATCHER not in roles_of(request.user):
        raise PermissionDenied(_("只有分拨调度员可以批量交办。"))
    form = forms.BulkAssignForm(request.POST, items=_bulk_items(request.user),
                                departments=search.departments_for_user(request.user))
    cases = _selected_cases(request)
    if not cases:
        messages.error(request, _("请先勾选要交办的事项。"))
        return _back(request)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _back(request)
    done, failed = [], []
    for case in cases:
        if not workflow.allowed("assign", request.user, case):
            failed.append((case.number, _("当前状态不能交办，或不属您的分拨中心。")))
            continue
        try:
            services.case_assign(case=case, actor=request.user, list_item=form.cleaned_data["list_item"],
                                 assisting_departments=list(form.cleaned_data["assisting_departments"]),
                                 note=form.cleaned_data["note"])
        except (ValidationError, CaseConflict, CasePermissionDenied) as exc:
            failed.append((case.number, _message_of(exc)))
        else:
            done.append(case.number)
    _report(request, done, failed)
    return _back(request)


@login_required
@require_POST
def bulk_urge(request):
    """催办 several cases with one message: cases.extensions.case_urge for each (its own audit event)."""
    if Role.SUPERVISOR not in roles_of(request.user):
        raise PermissionDenied(_("只有督办领导可以批量催办。"))
    form = forms.BulkUrgeForm(request.POST)
    cases = _selected_cases(request)
    if not cases:
        messages.error(request, _("请先勾选要催办的事项。"))
        return _back(request)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _back(request)
    done, failed = [], []
    for case in cases:
        if not workflow.allowed("urge", request.user, case):
            failed.append((case.number, _("已经办结、没有计时中的环节，或不在您的督办范围内。")))
            continue
        try:
            extensions.case_urge(case=case, actor=request.user, message=form.cleaned_data["message"])
        except (ValidationError, CaseConflict, CasePermissionDenied) as exc:
            failed.append((case.number, _message_of(exc)))
        else:
            done.append(case.number)
    _report(request, done, failed)
    return _back(request)


# --- 下一件 and the assignment sheet -----------------------------------------------------------


@login_required
@require_GET
def triage_next(request):
    """The oldest case still waiting in the dispatcher's queue (after the one just handled)."""
    if Role.DISPATCHER not in roles_of(request.user):
        raise PermissionDenied(_("只有分拨调度员有分拨队列。"))
    queue = selectors.triage_queue(request.user)
    after = request.GET.get("after", "")
    if after.isdigit():
        queue = queue.exclude(pk=int(after))
    case = queue.first()
    if case is None:
        messages.info(request, _("分拨队列已处理完，没有等待研判的事项。"))
        return redirect("cases:triage_queue")
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_GET
def assignment_sheet(request, pk):
    """交办单: one printable page per assigned case, for the paper file and the department's signature."""
    case = selectors.get_case_for_user(request.user, pk)
    if case.lead_department_id is None:
        raise Http404
    return render(request, "cases/assignment_sheet.html", {
        "case": case,
        "assisting": list(case.assisting_departments.all()),
        "assigned_event": selectors.case_events(case).filter(action=CaseAction.ASSIGNED).last(),
        "printed_at": timezone.now(),
    })


# --- The case map ------------------------------------------------------------------------------

MAP_LIMIT = 1000


@login_required
@require_GET
def case_map(request):
    """The search's cases that carry coordinates, on a map (dispatchers and supervisors). Without a
    configured tile server the page lists the same cases with their coordinates and draws nothing."""
    if not roles_of(request.user) & {Role.DISPATCHER, Role.SUPERVISOR}:
        raise PermissionDenied(_("只有分拨调度员和督办领导可以查看事项地图。"))
    filterset = search.case_search(request)
    cases = []
    if filterset.is_valid():
        cases = list(filterset.qs.filter(latitude__isnull=False, longitude__isnull=False)[:MAP_LIMIT])
    points = [{
        "number": c.number, "title": c.title, "state": str(c.get_state_display()), "url": reverse("cases:detail", args=[c.pk]),
        "lat": float(c.latitude), "lon": float(c.longitude),
    } for c in cases]
    return render(request, "cases/case_map.html", {
        "filter": filterset, "cases": cases, "points": points, "query": _query_without(request, "page", "export"),
        "limit": MAP_LIMIT,
    }, status=200 if filterset.is_valid() else 400)
