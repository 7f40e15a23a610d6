"""HTML pages of duty admission. Thin: parse input, call one selector or service, render.
Every state change is a POST with CSRF; every page checks who may see or do what (admission.selectors,
admission.permissions)."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from admission import forms, permissions, selectors, services
from admission.exceptions import AdmissionConflict, AdmissionPermissionDenied
from admission.models import AdmissionAttachment, AdmissionState, CheckStep
from cases.uploads import attachment_response
from governance.models import Unit, UnitKind

_RESOURCE_KEY = re.compile(r"^resources\[(\d+)\]\.(\w+)$")


def _townships_of(county):
    return Unit.objects.filter(parent=county, level="township", kind=UnitKind.GOVERNMENT, is_active=True).order_by(
        "sort_order", "code")


@login_required
@require_GET
def index(request):
    """职责准入: what waits for this user, whatever their role."""
    user = request.user
    visible = selectors.request_list_for_user(user).select_related(*selectors.LIST_RELATED)
    departments = permissions.proposer_departments(user)
    reviewing = permissions.reviewer_units(user)
    townships = permissions.township_units(user)
    if not (departments or reviewing or townships or permissions.is_admin(user)
            or selectors._supervised_governments(user)):
        raise PermissionDenied(_("职责准入供职能部门、准入审查机构和乡镇（街道）使用。"))
    context = {
        "departments": departments,
        "reviewing": bool(reviewing),
        "township_user": bool(townships),
        "own": visible.filter(department__in=departments).order_by("-updated_at")[:50] if departments else [],
        "review_queue": visible.filter(state__in=[AdmissionState.SUBMITTED, AdmissionState.CONSULTATION]).order_by(
            "due_at")[:50] if reviewing else [],
        "renewals": visible.filter(state=AdmissionState.APPROVED, renewal_due_since__isnull=False).order_by(
            "expires_on")[:50] if reviewing else [],
        "to_comment": visible.filter(state=AdmissionState.CONSULTATION).exclude(
            comments__township__in=townships).order_by("consultation_until")[:50] if townships else [],
        "admitted_here": visible.filter(state=AdmissionState.APPROVED).order_by("-decided_at")[:50] if townships else [],
        "can_registry": bool(reviewing or permissions.is_admin(user) or selectors._supervised_governments(user)),
        "now": timezone.now(),
    }
    return render(request, "admission/index.html", context)


def _form_context(request, form, formset, admission=None):
    return {"form": form, "formset": formset, "admission": admission}


def _put_errors(form, formset, exc):
    if not hasattr(exc, "error_dict"):
        forms.raise_into_form(form, exc)
        return
    for field, errors in exc.error_dict.items():
        match = _RESOURCE_KEY.match(field)
        target, name = form, field
        if match:
            index, name = int(match.group(1)), match.group(2)
            target = formset.forms[index] if index < len(formset.forms) else form
        for error in errors:
            target.add_error(name if name in target.fields else None, error)


def _resource_rows(formset):
    rows = []
    for f in formset.forms:
        data = f.cleaned_data if f.is_valid() else {}
        rows.append({k: data.get(k) for k in ("kind", "description", "quantity", "unit", "budget_line", "instrument")})
    return rows


def _save_view(request, admission=None):
    user = request.user
    if admission is None:
        departments = permissions.proposer_departments(user)
        if not departments:
            raise PermissionDenied(_("只有县级及以上职能部门的办理人员可以提出职责准入申请。"))
        department = departments[0]
        county = Unit.objects.get(path=permissions._government_path(department))
    else:
        department, county = admission.department, admission.county
        if not admission.is_editable:
            messages.error(request, _("申请提交后不能再修改；如需修改，请等待审查机构退回修改。"))
            return redirect("admission:detail", pk=admission.pk)
    townships = _townships_of(county)
    if request.method == "POST":
        form = forms.RequestForm(request.POST, townships=townships)
        formset = forms.ResourceFormSet(request.POST, prefix="res")
        if form.is_valid() and formset.is_valid():
            fields = dict(form.cleaned_data)
            chosen = list(fields.pop("townships") or [])
            try:
                admission = services.request_save(
                    actor=user, department=department, request=admission, fields=fields, townships=chosen,
                    resources=_resource_rows(formset),
                )
            except ValidationError as exc:
                _put_errors(form, formset, exc)
            except AdmissionConflict as exc:
                messages.error(request, exc.message)
                return redirect("admission:detail", pk=admission.pk)
            except AdmissionPermissionDenied as exc:
                raise PermissionDenied(exc.message)
            else:
                messages.success(request, _("草稿已保存。核对无误后请提交审查。"))
                return redirect("admission:detail", pk=admission.pk)
        return render(request, "admission/form.html", _form_context(request, form, formset, admission), status=400)
    if admission is None:
        form = forms.RequestForm(townships=townships, initial={"start_date": timezone.localdate()})
        formset = forms.ResourceFormSet(prefix="res")
    else:
        initial = {name: getattr(admission, name) for name in services.REQUEST_FIELDS}
        initial["townships"] = list(admission.townships.all())
        form = forms.RequestForm(townships=townships, initial=initial)
        formset = forms.ResourceFormSet(prefix="res", initial=[
            {"kind": r.kind, "description": r.description, "quantity": r.quantity, "unit": r.unit,
             "budget_line": r.budget_line, "instrument": r.instrument} for r in admission.resources.all()
        ])
    return render(request, "admission/form.html", _form_context(request, form, formset, admission))


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    return _save_view(request)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    return _save_view(request, selectors.get_editable_for_user(request.user, pk))


def _detail_context(request, admission, bound=None):
    user = request.user
    actions = permissions.actions_for(user, admission)
    reviewer = bool(permissions.reviewer_unit(user, admission))
    my_township = permissions.township_unit(user, admission)
    built = {
        "attach": forms.AttachForm(auto_id="id_attach_%s"),
        "submit": forms.SubmitForm(),
        "check": forms.CheckForm(auto_id="id_check_%s"),
        "consult": forms.ConsultForm(auto_id="id_consult_%s"),
        "comment": forms.CommentForm(auto_id="id_comment_%s"),
        "return": forms.ReasonForm(auto_id="id_return_%s"),
        "reject": forms.ReasonForm(auto_id="id_reject_%s"),
        "approve": forms.ApproveForm(auto_id="id_approve_%s", lists=_lists_for(admission)),
        "renew": forms.ReasonForm(auto_id="id_renew_%s"),
        "retire": forms.ReasonForm(auto_id="id_retire_%s"),
    }
    built.update(bound or {})
    checklist = selectors.arrival_checklist(admission) if admission.state in (
        AdmissionState.APPROVED, AdmissionState.RETIRED) else []
    return {
        "admission": admission,
        "actions": actions,
        "forms": built,
        "resources": list(admission.resources.all()),
        "townships": selectors.affected_townships(admission),
        "attachments": list(admission.attachments.all()),
        "check_rows": [(CheckStep(step).label, check) for step, check in selectors.latest_checks(admission).items()],
        "comments": list(admission.comments.select_related("township", "author")),
        "events": _with_change_rows(selectors.request_events(admission)),
        "conflicts": selectors.conflict_check(admission) if reviewer else [],
        "missing_elsewhere": selectors.department_missing_resources(admission) if reviewer else [],
        "checklist": checklist,
        "my_checklist": [row for row in checklist if my_township and row.township_id == my_township.pk],
        "arrival_choices": forms_arrival_choices(),
        "placements": list(admission.placements.select_related("duty_list")),
        "is_reviewer": reviewer,
        "now": timezone.now(),
    }


def _field_label(name):
    from admission.models import AdmissionRequest

    if name == "resources":
        return _("随附资源")
    try:
        return AdmissionRequest._meta.get_field(name).verbose_name
    except Exception:  # noqa: BLE001 - an unknown name is shown as it is
        return name


def _with_change_rows(events):
    """Each event's recorded field changes (data["changes"]: name -> [old, new]) as (field label, old, new) for
    the history; a township's resource report keeps its rows under data["arrivals"] instead."""
    for event in events:
        changes = (event.data or {}).get("changes") or {}
        event.change_rows = [
            (_field_label(name), "；".join(map(str, old)) if isinstance(old, list) else old,
             "；".join(map(str, new)) if isinstance(new, list) else new)
            for name, (old, new) in changes.items()
        ]
    return events


def forms_arrival_choices():
    from admission.models import ArrivalStatus

    return [c for c in ArrivalStatus.choices if c[0] != ArrivalStatus.UNREPORTED]


def _lists_for(admission):
    from responsibilities.models import DutyList

    county = admission.county
    return DutyList.objects.filter(level="township", jurisdiction_id__in=[*county.ancestor_ids(), county.pk]).order_by(
        "code")


@login_required
@require_GET
def detail(request, pk):
    admission = selectors.get_request_for_user(request.user, pk)
    return render(request, "admission/detail.html", _detail_context(request, admission))


@login_required
@require_GET
def attachment(request, pk, attachment_pk):
    admission = selectors.get_request_for_user(request.user, pk)
    from django.http import Http404

    found = AdmissionAttachment.objects.filter(request=admission, pk=attachment_pk).first()
    if found is None:
        raise Http404
    return attachment_response(found)


def _action(name, form_class, run, success, *, needs_lists=False, files=False):
    @login_required
    @require_POST
    def view(request, pk):
        admission = selectors.get_request_for_user(request.user, pk)
        kwargs = {"auto_id": f"id_{name}_%s"}
        if needs_lists:
            kwargs["lists"] = _lists_for(admission)
        form = form_class(request.POST, request.FILES if files else None, **kwargs)
        if form.is_valid():
            try:
                run(admission, request.user, form.cleaned_data)
            except ValidationError as exc:
                forms.raise_into_form(form, exc)
            except AdmissionConflict as exc:
                messages.error(request, exc.message)
                return redirect("admission:detail", pk=admission.pk)
            except AdmissionPermissionDenied as exc:
                raise PermissionDenied(exc.message)
            else:
                messages.success(request, success)
                return redirect("admission:detail", pk=admission.pk)
        if name not in permissions.actions_for(request.user, admission):
            messages.error(request, _("该申请的状态已经变化，或您无权执行此操作。"))
            return redirect("admission:detail", pk=admission.pk)
        context = _detail_context(request, admission, bound={name: form})
        return render(request, "admission/detail.html", context, status=400)

    view.__name__ = f"admission_{name}"
    return view


attach = _action("attach", forms.AttachForm,
                 lambda a, u, d: services.request_attach(request=a, actor=u, files=d["files"]),
                 gettext_lazy("附件已上传。"), files=True)
submit = _action("submit", forms.SubmitForm, lambda a, u, d: services.request_submit(request=a, actor=u),
                 gettext_lazy("已提交审查。提交后不能再修改，除非审查机构退回修改。"))
check = _action("check", forms.CheckForm,
                lambda a, u, d: services.request_check(request=a, actor=u, **d), gettext_lazy("审查意见已记录。"))
consult = _action("consult", forms.ConsultForm,
                  lambda a, u, d: services.request_open_consultation(request=a, actor=u, note=d["note"]),
                  gettext_lazy("已向涉及的乡镇（街道）征求意见。"))
comment = _action("comment", forms.CommentForm,
                  lambda a, u, d: services.request_comment(request=a, actor=u, **d), gettext_lazy("意见已提交。"))
return_ = _action("return", forms.ReasonForm,
                  lambda a, u, d: services.request_return(request=a, actor=u, reason=d["reason"]),
                  gettext_lazy("已退回申请部门修改。"))
reject = _action("reject", forms.ReasonForm,
                 lambda a, u, d: services.request_reject(request=a, actor=u, reason=d["reason"]),
                 gettext_lazy("已决定不予准入。"))
approve = _action("approve", forms.ApproveForm,
                  lambda a, u, d: services.request_approve(request=a, actor=u, reason=d["reason"],
                                                           target_list=d["target_list"]),
                  gettext_lazy("已准入，事项已列入清单草稿，待清单编辑发布。"), needs_lists=True)
renew = _action("renew", forms.ReasonForm,
                lambda a, u, d: services.request_renew(request=a, actor=u, reason=d["reason"]),
                gettext_lazy("已复核续期。"))
retire = _action("retire", forms.ReasonForm,
                 lambda a, u, d: services.request_retire(request=a, actor=u, reason=d["reason"]),
                 gettext_lazy("已复核退出，事项将在清单下一版草稿中移出。"))


@login_required
@require_POST
def arrival(request, pk):
    """The township's resource checklist: one status (and note) per promised resource."""
    admission = selectors.get_request_for_user(request.user, pk)
    township = permissions.township_unit(request.user, admission)
    if not township:
        raise PermissionDenied(_("只有该事项涉及的乡镇（街道）可以反馈资源到位情况。"))
    rows = [r for r in selectors.arrival_checklist(admission) if r.township_id == township.pk]
    updates = {r.pk: (request.POST.get(f"status_{r.pk}", ""), request.POST.get(f"note_{r.pk}", "")) for r in rows}
    try:
        services.arrival_report(request=admission, actor=request.user, updates=updates)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except AdmissionConflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("资源到位情况已更新。"))
    return redirect("admission:detail", pk=admission.pk)


# --- Registry, figures, export ----------------------------------------------------------------------


def _registry_filters(request):
    from config.api_common import parse_id

    state = request.GET.get("state", "")
    return {
        "department": parse_id(request.GET.get("department")),
        "state": state if state in AdmissionState.values else None,
        "township": parse_id(request.GET.get("township")),
    }


def _require_registry(user):
    if not (permissions.reviewer_units(user) or permissions.is_admin(user) or selectors._supervised_governments(user)):
        raise PermissionDenied(_("准入登记簿供准入审查机构和督办领导查阅。"))


@login_required
@require_GET
def registry(request):
    _require_registry(request.user)
    filters = _registry_filters(request)
    qs = selectors.registry(request.user, **filters)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    visible = selectors.request_list_for_user(request.user)
    return render(request, "admission/registry.html", {
        "page": page, "figures": selectors.department_figures(qs), "filters": filters,
        "states": AdmissionState.choices,
        "departments": Unit.objects.filter(pk__in=visible.values("department")).order_by("sort_order", "code"),
        "township_options": Unit.objects.filter(level="township", kind=UnitKind.GOVERNMENT,
                                                parent__in=visible.values("county")).order_by("sort_order", "code"),
    })


@login_required
@require_GET
def registry_export(request):
    import tablib

    _require_registry(request.user)
    qs = selectors.registry(request.user, **_registry_filters(request)).prefetch_related("resources")
    data = tablib.Dataset(headers=[_("准入编号"), _("事项名称"), _("申请部门"), _("状态"), _("法律（政策）依据"),
                                   _("提交时间"), _("决定时间"), _("随附资源"), _("未随附资源的理由")],
                          title=_("职责准入登记簿")[:31])
    for a in qs:
        data.append([
            a.number or "", a.title, a.department.display_name, a.get_state_display(), a.legal_basis,
            timezone.localtime(a.submitted_at).strftime("%Y-%m-%d") if a.submitted_at else "",
            timezone.localtime(a.decided_at).strftime("%Y-%m-%d") if a.decided_at else "",
            "；".join(f"{r.get_kind_display()} {r.summary}" for r in a.resources.all()), a.no_resources_reason,
        ])
    figures = tablib.Dataset(headers=[_("部门"), _("申请数"), _("已决定"), _("准入数"), _("准入率（%）"),
                                      _("每项准入事项随附资源数"), _("资源全部到位的比例（%）")], title=_("部门统计")[:31])
    for row in selectors.department_figures(qs):
        figures.append([row["department"].display_name, row["total"], row["decided"], row["approved"],
                        row["approval_rate"] if row["approval_rate"] is not None else "",
                        row["resources_per_duty"] if row["resources_per_duty"] is not None else "",
                        row["arrived_share"] if row["arrived_share"] is not None else ""])
    book = tablib.Databook([data, figures])
    response = HttpResponse(book.export("xlsx"),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="admission-registry.xlsx"'
    return response


# --- Public -----------------------------------------------------------------------------------------


@require_GET
def public_register(request):
    page = Paginator(selectors.public_register(), 25).get_page(request.GET.get("page"))
    return render(request, "admission/public_register.html", {"page": page})


@require_GET
def public_detail(request, number):
    admission = selectors.public_request_get(number)
    return render(request, "admission/public_detail.html", {
        "admission": admission, "resources": list(admission.resources.all()),
        "townships": selectors.affected_townships(admission),
        "placements": list(admission.placements.select_related("duty_list")),
        "arrival": selectors.arrival_summary(admission),
    })
