"""The insights pages. Thin: parse input, call one selector or service, render; every page checks who may see it.

/insights/                     the county leadership's page: findings of a month heaviest first, with what was
                               proposed about each; trends; what was done about last month's findings
/insights/findings/<pk>/       one finding, its evidence and proposals; the proposal form (editor, department)
/insights/proposals/           the proposals the user may see (townships: those their cases are evidence for)
/insights/proposals/<pk>/      one proposal, its record; review and "write into the draft" for list editors
/insights/report.xlsx, print/  the quarterly report
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.forms import service_errors_into_form
from insights import forms, permissions, selectors, services
from insights.exceptions import ProposalConflict, ProposalPermissionDenied
from insights.forms import ThresholdsForm
from insights.models import ProposalState
from insights.services import month_of, thresholds_for, thresholds_save


def _month(request):
    """The month asked for as ?month=YYYY-MM (this month when absent or malformed)."""
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        return month_of(date(year, month, 1))
    except ValueError:
        return month_of(timezone.localdate())


def _quarter_key(day):
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _county(request):
    county = selectors.county_for(request.user, request.GET.get("county") or None)
    if county is None:
        raise PermissionDenied(_("您没有查看政策堵点分析的权限。"))
    return county


@login_required
@require_GET
def index(request):
    county = _county(request)
    start, end = _month(request)
    context = {
        "county": county, "counties": permissions.counties_for(request.user), "start": start, "end": end,
        "month": start.strftime("%Y-%m"), "findings": selectors.findings_of(county, start, end),
        "trends": selectors.trends(county, start), "follow_up": selectors.follow_up(county, start),
        "quarter": _quarter_key(start),
    }
    return render(request, "insights/index.html", context)


def _finding_or_404(request, pk):
    finding = selectors.finding_get_for_user(request.user, pk)
    if finding is None:
        raise Http404(_("没有这条堵点发现，或您无权查看。"))
    return finding


def _finding_page(request, finding, form=None, status=200):
    lists = selectors.lists_for_finding(finding)
    departments = selectors.finding_department_ids(finding)
    may_propose = [dl for dl in lists if permissions.can_propose(request.user, duty_list=dl,
                                                                   department_ids=departments)]
    if form is None and may_propose:
        form = forms.ProposalForm(finding=finding, lists=may_propose)
    selectors._attach_proposals([finding])
    # The evidence can run to thousands of cases in a large county: 50 a page.
    page = Paginator(finding.case_ids, 50).get_page(request.GET.get("page"))
    context = {"finding": finding, "cases": selectors.cases_of(page.object_list), "page": page,
               "form": form if may_propose else None,
               "reads_county": permissions.reads_county(request.user, finding.county)}
    return render(request, "insights/finding.html", context, status=status)


@login_required
@require_GET
def finding_detail(request, pk):
    return _finding_page(request, _finding_or_404(request, pk))


@login_required
@require_POST
def propose(request, pk):
    finding = _finding_or_404(request, pk)
    lists = selectors.lists_for_finding(finding)
    departments = selectors.finding_department_ids(finding)
    lists = [dl for dl in lists if permissions.can_propose(request.user, duty_list=dl, department_ids=departments)]
    if not lists:
        raise PermissionDenied(_("只有该清单的编辑或堵点所涉部门可以提出修订建议。"))
    form = forms.ProposalForm(request.POST, finding=finding, lists=lists)
    if form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.proposal_submit(
                finding=finding, actor=request.user, duty_list=data["duty_list"], kind=data["proposal_kind"],
                item_code=data["item_code"], reason=data["reason"], values=form.values())
        except ValidationError as exc:
            service_errors_into_form(form, exc)
        except ProposalPermissionDenied as exc:
            raise PermissionDenied(exc.message)
        else:
            messages.success(request, _("已提交修订建议 %(number)s，等待清单编辑审核。") % {"number": proposal.number})
            return redirect("insights:proposal", pk=proposal.pk)
    return _finding_page(request, finding, form=form, status=400)


@login_required
@require_GET
def proposal_list(request):
    user = request.user
    townships = permissions.township_units(user)
    departments = permissions.department_units(user)
    counties = permissions.counties_for(user)
    from responsibilities.permissions import can_edit_any_list

    if not (townships or departments or counties or can_edit_any_list(user)):
        raise PermissionDenied(_("清单修订建议供清单编辑、相关部门和提供证据的乡镇（街道）查看。"))
    proposals = selectors.with_outcome(selectors.proposal_list_for_user(user).order_by("-created_at", "-pk")[:100])
    context = {"proposals": proposals, "township_user": bool(townships),
               "department_findings": selectors.findings_for_department(user)}
    return render(request, "insights/proposals.html", context)


def _proposal_or_404(request, pk):
    proposal = selectors.proposal_get_for_user(request.user, pk)
    if proposal is None:
        raise Http404(_("没有这条修订建议，或您无权查看。"))
    return proposal


def _proposal_page(request, proposal, form=None, status=200):
    from responsibilities.permissions import can_edit_list

    proposal = selectors.with_outcome([proposal])[0]
    context = {
        "proposal": proposal, "events": list(proposal.events.select_related("actor")),
        "cases": selectors.cases_of(proposal.case_ids), "townships": list(proposal.townships.order_by("code")),
        "change_rows": _change_rows(proposal),
        "item_title": proposal.before.get("title") or proposal.change.get("fields", {}).get("title", ""),
        "can_review": proposal.state == ProposalState.SUBMITTED and permissions.can_review(request.user, proposal),
        "can_apply": proposal.state == ProposalState.ACCEPTED and can_edit_list(request.user, proposal.duty_list),
        "form": form or forms.DecisionForm(),
        "reads_finding": selectors.finding_get_for_user(request.user, proposal.finding_id) is not None,
    }
    return render(request, "insights/proposal.html", context, status=status)


def _change_rows(proposal):
    """[(label, before, after)] of the proposed fields, in words (kinds and categories by label, units by name)."""
    from governance.models import Unit
    from responsibilities.models import Category, ItemKind, ListItem

    fields, before = proposal.change.get("fields", {}), proposal.before
    ids = [v for v in (fields.get("department"), before.get("department")) if v]
    units = {u.pk: u.display_name for u in Unit.objects.filter(pk__in=ids)} if ids else {}
    words = {"kind": dict(ItemKind.choices), "category": dict(Category.choices), "department": units}
    rows = []
    for name in ("code", "title", "kind", "category", "department", "response_hours", "resolution_days",
                 "description", "legal_basis"):
        if name not in fields or (name in ("code", "title") and proposal.change.get("op") == "update"):
            continue
        show = words.get(name, {})
        old, new = before.get(name), fields[name]
        rows.append((ListItem._meta.get_field(name).verbose_name, show.get(old, old) if old is not None else "",
                     show.get(new, new)))
    return rows


@login_required
@require_GET
def proposal_detail(request, pk):
    return _proposal_page(request, _proposal_or_404(request, pk))


def _decision(run, success):
    @login_required
    @require_POST
    def view(request, pk):
        proposal = _proposal_or_404(request, pk)
        form = forms.DecisionForm(request.POST)
        form.is_valid()
        try:
            result = run(proposal=proposal, actor=request.user, reason=form.cleaned_data.get("reason", ""))
        except ValidationError as exc:
            service_errors_into_form(form, exc)
            return _proposal_page(request, proposal, form=form, status=400)
        except ProposalPermissionDenied as exc:
            raise PermissionDenied(exc.message)
        except ProposalConflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, success(result))
        return redirect("insights:proposal", pk=proposal.pk)

    return view


accept = _decision(services.proposal_accept, lambda p: _("已采纳修订建议 %(n)s。") % {"n": p.number})
reject = _decision(services.proposal_reject, lambda p: _("已决定不予采纳修订建议 %(n)s。") % {"n": p.number})


@login_required
@require_POST
def apply(request, pk):
    proposal = _proposal_or_404(request, pk)
    try:
        proposal, draft = services.proposal_apply(proposal=proposal, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _("无法写入清单草稿：%(e)s") % {"e": "；".join(exc.messages)})
    except ProposalPermissionDenied as exc:
        raise PermissionDenied(exc.message)
    except ProposalConflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已写入%(list)s第 %(n)s 版草稿；发布时修订说明将注明依据 %(ref)s。") % {
            "list": proposal.duty_list.name, "n": draft.number, "ref": proposal.number})
    return redirect("insights:proposal", pk=proposal.pk)


def _quarter(request):
    try:
        return selectors.quarter_of(request.GET.get("quarter", ""))
    except ValueError:
        today = timezone.localdate()
        return selectors.quarter_of(_quarter_key(today))


@login_required
@require_GET
def report_export(request):
    from insights.exports import quarter_workbook

    county = _county(request)
    start, end = _quarter(request)
    data = selectors.quarter_report(county, start, end)
    response = HttpResponse(quarter_workbook(data),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"insights-{county.code}-{_quarter_key(start)}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET"])
def report_print(request):
    county = _county(request)
    start, end = _quarter(request)
    data = selectors.quarter_report(county, start, end)
    return render(request, "insights/print.html", {"data": data, "quarter": _quarter_key(start), "county": county})


@login_required
@require_http_methods(["GET", "POST"])
def thresholds(request):
    """The county's own thresholds for the detectors: its supervisors and list editors change them (POST)."""
    county = selectors.county_for(request.user, request.GET.get("county") or request.POST.get("county") or None)
    if county is None:
        raise PermissionDenied(_("您没有修改政策堵点分析阈值的权限。"))
    form = ThresholdsForm(request.POST or None, current=thresholds_for(county))
    if request.method == "POST" and form.is_valid():
        try:
            thresholds_save(county=county, actor=request.user, values=form.cleaned_data)
        except ValidationError as exc:
            service_errors_into_form(form, exc)
        else:
            messages.success(request, _("阈值已保存，下次计算堵点时生效。"))
            return redirect(f"{reverse('insights:thresholds')}?county={county.pk}")
    return render(request, "insights/thresholds.html", {"county": county, "form": form})
