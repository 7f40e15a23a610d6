"""HTML views for the case flow. Thin: parse input, call one selector or service, render.

Every state change is a POST (require_POST + CSRF) to an action URL; the service re-checks the actor's
role on the locked row. Outcomes:
- bad input (ValidationError)   -> the case page re-rendered with the form's errors and input kept (400);
- lost a race / wrong state     -> back to the case page with a clear message (CaseConflict);
- no role on a visible case     -> 403; a case the user may not see -> 404 (get_case_for_user).
"""

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import forms, privacy, selectors, services, workflow
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.filters import CaseFilter
from cases.models import ResidentDataAccess
from cases.uploads import attachment_response
from config.forms import service_errors_into_form
from governance.models import Role, Unit
from governance.selectors import memberships_of, roles_of

PAGE_SIZE = 20


def _require_role(user, *roles):
    if not roles_of(user) & set(roles):
        raise PermissionDenied(_("您没有访问此页面的角色。"))


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Reporting -------------------------------------------------------------------------------


def _reporter_townships(user):
    ids = [m.unit_id for m in memberships_of(user) if m.role == Role.REPORTER]
    return Unit.objects.filter(pk__in=ids).order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    """一键上报. A "检查是否属本级职责" button previews the list matches without JavaScript; with
    JavaScript the same panel updates while typing (cases/js → cases:is_ours)."""
    _require_role(request.user, Role.REPORTER)
    townships = _reporter_townships(request.user)
    ours = duplicates = None
    if request.method == "POST":
        form = forms.ReportForm(request.POST, request.FILES, townships=townships)
        if "preview" in request.POST:
            # Show the input again without errors; the panel answers the question, and cases like it are listed.
            form = forms.ReportForm(initial=request.POST.dict(), townships=townships)
            text = request.POST.get("title", "") + " " + request.POST.get("description", "")
            ours = _ours_for(text, townships, request.POST.get("township"))
            duplicates = _duplicates_for(request.user, text, townships, request.POST)
        elif form.is_valid():
            try:
                case = services.case_report(actor=request.user, **form.service_kwargs())
            except ValidationError as exc:
                service_errors_into_form(form, exc)
            except CasePermissionDenied as exc:
                raise PermissionDenied(exc.message)
            else:
                messages.success(request, _("已上报，编号 %(number)s。指挥中心将对照清单研判。") % {"number": case.number})
                return redirect("cases:detail", pk=case.pk)
    else:
        # From the lookup (这件事归谁管？ found nothing): the words typed there start the description.
        form = forms.ReportForm(townships=townships, initial={"description": request.GET.get("text", "")[:2000]})
    status = 400 if request.method == "POST" and form.is_bound and form.errors else 200
    context = {"form": form, "ours": ours, "duplicates": duplicates, "photos_dropped": request.method == "POST" and bool(request.FILES)}
    return render(request, "cases/report.html", context, status=status)


def _chosen_township(townships, township_id=None):
    """The reporter's township the form names (one of their own), else their first."""
    township = None
    if township_id:
        township = next((t for t in townships if str(t.pk) == str(township_id)), None)
    return township or (townships[0] if townships else None)


def _ours_for(text, townships, township_id=None):
    township = _chosen_township(townships, township_id)
    if township is None:
        return None
    result = selectors.item_is_ours(text or "", township)
    result["township"] = township
    result["query"] = (text or "").strip()
    return result


@login_required
@require_GET
def is_ours(request):
    """The "is this ours?" panel as an HTML fragment, for the report form's small fetch."""
    _require_role(request.user, Role.REPORTER)
    townships = _reporter_townships(request.user)
    text = request.GET.get("q", "")[:500]
    ours = _ours_for(text, townships, request.GET.get("township"))
    return render(request, "cases/snippets/is_ours.html", {"ours": ours})


def _coordinate(raw, bound):
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and -bound <= value <= bound else None


def _duplicates_for(user, text, townships, params):
    """可能已有人上报 for the report form: {"cases", "query"} (cases.selectors.possible_duplicates)."""
    township = _chosen_township(townships, params.get("township"))
    latitude, longitude = _coordinate(params.get("latitude", ""), 90), _coordinate(params.get("longitude", ""), 180)
    if latitude is None or longitude is None:
        latitude = longitude = None
    found = selectors.possible_duplicates(user, township=township, text=text, latitude=latitude, longitude=longitude)
    return {"cases": found, "query": (text or "").strip()}


@login_required
@require_GET
def report_duplicates(request):
    """可能已有人上报 as an HTML fragment for the report form's fetch while typing (cases.js): only cases
    the reporter may see, of their own township."""
    _require_role(request.user, Role.REPORTER)
    townships = _reporter_townships(request.user)
    duplicates = _duplicates_for(request.user, request.GET.get("q", "")[:1000], townships, request.GET)
    return render(request, "cases/snippets/duplicates.html", {"duplicates": duplicates})


# --- Lists -----------------------------------------------------------------------------------


@login_required
@require_GET
def township_list(request):
    _require_role(request.user, Role.REPORTER, Role.SUPERVISOR)
    filterset = CaseFilter.for_page(request.GET, selectors.township_cases(request.user))
    return render(request, "cases/township_list.html", {"filter": filterset, "page": _page(request, filterset.qs)})


@login_required
@require_GET
def triage_queue(request):
    _require_role(request.user, Role.DISPATCHER)
    filterset = CaseFilter.for_page(request.GET, selectors.triage_queue(request.user))
    return render(request, "cases/triage_queue.html", {"filter": filterset, "page": _page(request, filterset.qs)})


@login_required
@require_GET
def department_queue(request):
    _require_role(request.user, Role.OFFICER)
    filterset = CaseFilter.for_page(request.GET, selectors.department_queue(request.user))
    departments = selectors.officer_departments(request.user)
    return render(request, "cases/department_queue.html", {
        "filter": filterset, "page": _page(request, filterset.qs), "departments": departments,
        "dept_ids": [d.pk for d in departments],
    })


@login_required
@require_GET
def supervision(request):
    _require_role(request.user, Role.SUPERVISOR)
    filterset = CaseFilter.for_page(request.GET, selectors.supervision_list(request.user))
    return render(request, "cases/supervision.html", {"filter": filterset,
                                                      "page": selectors.supervision_page(filterset.qs, request.GET.get("page"), PAGE_SIZE)})


# --- The case page and its actions ------------------------------------------------------------


def _action_forms(case, user, actions, bound=None):
    """Unbound forms for the case-page steps the user may take; `bound` replaces one with a form carrying
    errors. The lists the assign/return/reassign forms need are read once."""
    items = departments = None
    if actions & {"assign", "return", "reassign"}:
        items = selectors.items_for_case(case)
        departments = selectors.departments_for_assignment(case)
        if not bound:  # every form's choices come from these two loads (cases.forms._RowsChoiceIterator)
            list(items), list(departments)
    built = {name: _form(case, name, items=items, departments=departments) for name in actions}
    if bound:
        built.update(bound)
    return built


def _preselect(built, routing):
    dept = routing.best_department
    if "assign" in built and not built["assign"].is_bound and routing.verdict != "township":
        entries = [e for e in routing.items if e.kind != "basic"]
        best = next((e for e in entries if dept and e.department == dept.code), entries[0] if entries else None)
        if best is not None:
            built["assign"].initial["list_item"] = best.item.pk
        if dept is not None and routing.verdict == "department":
            built["assign"].initial["lead_department"] = dept.unit_id
    if "return" in built and not built["return"].is_bound and routing.verdict == "township":
        basic = routing.best_basic_item
        if basic is not None:
            built["return"].initial["list_item"] = basic.item.pk


def _form(case, name, *, items=None, departments=None, data=None, files=None):
    """The page form of workflow step `name`, with the list items / departments it needs."""
    step = workflow.STEPS[name]
    kwargs = {"auto_id": _auto_id(name)}
    if "items" in step.needs_lists:
        kwargs["items"] = items if items is not None else selectors.items_for_case(case)
    if "departments" in step.needs_lists:
        kwargs["departments"] = (
            departments if departments is not None else selectors.departments_for_assignment(case)
        )
    return step.form(data, files, **kwargs) if data is not None else step.form(**kwargs)


def _render_case(request, case, *, bound=None, status=200):
    user = request.user
    # The steps of cases.workflow this user may take now; the deadline steps (extend, urge, decisions)
    # have pages of their own, linked from the deadline panel.
    actions = workflow.available(user, case) & workflow.INLINE
    routing, similar = None, []
    if actions & {"assign", "return"}:
        from routing.services import similar_cases

        routing = selectors.routing_for_case(case)
        similar = similar_cases(f"{case.title}\n{case.description}", exclude_case=case.pk,
                                names=routing.department_names)
    built = _action_forms(case, user, actions, bound)
    # Pre-select the routing service's answer so the dispatcher starts from it, not from a blank form: the best
    # department and its best item for assigning; a basic item for returning only when the verdict is township.
    if routing is not None:
        _preselect(built, routing)
    context = {
        "case": case,
        "events": selectors.case_events(case),
        "attachments": selectors.case_attachments(case),
        "assisting": list(case.assisting_departments.all()),
        "actions": actions,
        "forms": built,
        "resident": privacy.resident_view(user, case, ResidentDataAccess.Channel.PAGE),
        "routing": routing,
        "similar": similar,
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_GET
def detail(request, pk):
    case = selectors.get_case_for_user(request.user, pk)
    return _render_case(request, case)


@login_required
@require_GET
def attachment(request, pk, attachment_pk):
    """Photos are served only through here, after the same access check as the case page."""
    return attachment_response(selectors.attachment_get_for_user(request.user, pk, attachment_pk))


def _auto_id(name):
    # Several action forms share field names (list_item, reason); distinct ids keep every <label> unique.
    return f"id_{name}_%s"


def _act(request, pk, name):
    case = selectors.get_case_for_user(request.user, pk)
    step = workflow.STEPS[name]
    form = _form(case, name, data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            step.service(case, request.user, form.cleaned_data)
        except ValidationError as exc:
            service_errors_into_form(form, exc)
        except CaseConflict as exc:
            messages.error(request, exc.message)
            return redirect("cases:detail", pk=case.pk)
        except CasePermissionDenied as exc:
            raise PermissionDenied(exc.message)
        else:
            messages.success(request, step.success)
            return redirect("cases:detail", pk=case.pk)
    if not workflow.allowed(name, request.user, case):
        # Bad input for a step the user could not take anyway: no role is a 403; a role but the wrong
        # moment (someone acted first) is a message on the case page rather than a form with errors.
        if not workflow.who(name, request.user, case):
            raise PermissionDenied(_("您无权对该事项执行此操作。"))
        messages.error(request, _("该事项的状态已经变化，此操作无法执行。请刷新页面查看最新进展。"))
        return redirect("cases:detail", pk=case.pk)
    return _render_case(request, case, bound={name: form}, status=400)


def _action_view(name):
    @login_required
    @require_POST
    def view(request, pk):
        return _act(request, pk, name)

    view.__name__ = f"case_{name}"
    return view


case_triage = _action_view("triage")
case_assign = _action_view("assign")
case_return = _action_view("return")
case_withdraw = _action_view("withdraw")
case_claim = _action_view("claim")
case_refuse_unadmitted = _action_view("refuse_unadmitted")
case_decline = _action_view("decline")
case_reassign = _action_view("reassign")
case_resolve = _action_view("resolve")
case_feedback = _action_view("feedback")
case_request_info = _action_view("request_info")
case_answer_info = _action_view("answer_info")
case_comment = _action_view("comment")


class ResidentAccessRequestForm(django_forms.Form):
    phone = django_forms.CharField(label=_("群众电话"), max_length=40)


@login_required
@require_http_methods(["GET", "POST"])
def resident_access_request(request):
    """个人信息查阅 (PIPL §45): everything held about a resident, by phone, as a JSON download. POST so that the
    number stays out of URLs and access logs; cases.privacy decides who may and records the export."""
    if not privacy.can_export_for_access_request(request.user):
        raise PermissionDenied
    form = ResidentAccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export = privacy.access_request_export(user=request.user, phone=form.cleaned_data["phone"])
        except ValidationError as exc:
            service_errors_into_form(form, exc)
        else:
            response = JsonResponse(export, json_dumps_params={"ensure_ascii": False, "indent": 2})
            response["Content-Disposition"] = (
                f'attachment; filename="resident-data-{privacy.mask_phone(export["phone"]).replace("*", "x")}.json"')
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "cases/resident_access_request.html", {"form": form},
                  status=400 if form.errors else 200)
