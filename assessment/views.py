"""HTML views for assessment. Thin: resolve the viewer's scope, call one selector or service, render.

State changes (requests, decisions, formula, close, reopen) are POST + CSRF; the services re-check roles.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import exports, figures, permissions, selectors, services
from assessment.models import ExemptionEvidence, ExemptionReason, ExemptionRequest
from assessment.services import AssessmentConflict, AssessmentDenied
from cases.selectors import get_case_for_user
from cases.uploads import attachment_response
from governance.models import Unit


def _viewer(request):
    viewer = permissions.viewer_for(request.user, request.GET.get("county") or request.POST.get("county") or None)
    if viewer is None:
        raise PermissionDenied(_("您没有查看考核结果的权限。"))
    return viewer


def _period(request):
    return figures.parse_period(request.GET, timezone.localdate())


def _scope_rows(data):
    """Rows with their metric cells in the declared order, for the templates."""
    out = {}
    for scope in ("department", "township"):
        metrics = figures.metrics_for(scope)
        rows = []
        for r in data[scope]:
            cells = [{"metric": m, "cell": r["figures"].get(m.key, {})} for m in metrics]
            hours = [{"label": label, **r["hours"].get(field, {})} for field, label in figures.HOURS[scope]]
            rows.append({**r, "cells": cells, "hour_cells": hours, "sum_cells": [
                {"label": label, "value": r["sums"].get(field, 0)} for field, label in figures.SUMS]
                if scope == "department" else []})
        out[scope] = {"metrics": metrics, "rows": rows, "hours": figures.HOURS[scope]}
    return out


def _item_rows(data):
    metrics = [figures.METRIC_BY_KEY[k] for k in figures.ITEM_METRICS]
    return {"metrics": metrics, "rows": [{**r, "cells": [{"metric": m, "cell": r["figures"][m.key]} for m in metrics]}
                                         for r in data.get("items", [])]}


@login_required
@require_GET
def dashboard(request):
    viewer = _viewer(request)
    period = _period(request)
    data, close = selectors.report(viewer, period)
    chart_data = selectors.charts(viewer, period, close)
    context = {
        "viewer": viewer, "period": period, "data": data, "close": close, "scopes": _scope_rows(data),
        "items": _item_rows(data), "charts": chart_data, "counties": permissions.counties_for(request.user).values(),
        "history": selectors.closes_of(viewer.county)[:12] if viewer.assessor else [],
        "can_close": viewer.assessor and period.is_month and close is None and period.end < timezone.localdate(),
        "heat_months": chart_data["months"],
        "chart_json": {**{k: chart_data[k] for k in ("months", "trend", "funnel")},
                       "labels": {"on_time": _("按时办结率"), "satisfaction": _("满意率")}},
        "pending": selectors.exemption_queue(viewer).count() if viewer.reviewer else None,
    }
    return render(request, "assessment/dashboard.html", context)


@login_required
@require_GET
def drilldown(request):
    viewer = _viewer(request)
    period = _period(request)
    body = item = None
    try:
        if request.GET.get("item"):
            from responsibilities.models import ListItem

            item = get_object_or_404(ListItem, pk=int(request.GET["item"]))
        else:
            body = get_object_or_404(Unit, pk=int(request.GET.get("body", "")), parent=viewer.county)
    except ValueError:
        raise Http404
    metric, qs, reasons, close = selectors.drilldown_cases(request.user, viewer, period, body,
                                                           request.GET.get("metric", ""), item.pk if item else None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for case in page:
        case.exempt_reason = selectors.rules.exempt_label(reasons[case.pk]) if case.pk in reasons else ""
    return render(request, "assessment/drilldown.html", {
        "viewer": viewer, "period": period, "body": body, "item": item, "metric": metric, "page": page,
        "close": close, "may_request": body is not None and permissions.may_request_exemption(request.user, body),
    })


@login_required
@require_GET
def export_xlsx(request):
    viewer = _viewer(request)
    period = _period(request)
    data, close = selectors.report(viewer, period)
    content = exports.report_workbook(data, close)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="assessment-{period.key}.xlsx"'
    return response


@login_required
@require_GET
def print_report(request):
    viewer = _viewer(request)
    period = _period(request)
    data, close = selectors.report(viewer, period)
    return render(request, "assessment/print.html", {"viewer": viewer, "period": period, "data": data,
                                                      "close": close, "scopes": _scope_rows(data)})


@login_required
@require_http_methods(["GET", "POST"])
def formula(request):
    viewer = _viewer(request)
    if not viewer.assessor:
        raise PermissionDenied(_("只有考核办人员可以调整考核权重。"))
    current = services.formula_in_force(viewer.county)
    errors = {}
    values = current.weights
    if request.method == "POST":
        values = {scope: {key: request.POST.get(f"{scope}.{key}", "") for key in keys}
                  for scope, keys in figures.SCORED.items()}
        try:
            new = services.formula_set(actor=request.user, county=viewer.county, weights=values,
                                       note=request.POST.get("note", ""))
        except ValidationError as exc:
            errors = exc.message_dict
        except AssessmentDenied as exc:
            raise PermissionDenied(exc.message)
        else:
            messages.success(request, _("已保存第 %(v)d 版考核权重。已关账的月份保留原来的版本。") % {"v": new.version})
            return redirect(f"{reverse('assessment:formula')}?county={viewer.county.pk}")
    fields = [{"scope": scope, "rows": [{"key": key, "label": figures.METRIC_BY_KEY[key].label,
                                         "inverse": figures.METRIC_BY_KEY[key].inverse,
                                         "value": values.get(scope, {}).get(key, 0),
                                         "error": errors.get(f"{scope}.{key}")} for key in keys],
               "error": errors.get(scope)} for scope, keys in figures.SCORED.items()]
    versions = services.ScoreFormula.objects.filter(county=viewer.county).select_related("created_by")[:20]
    return render(request, "assessment/formula.html", {
        "viewer": viewer, "current": current, "fields": fields, "versions": versions, "errors": errors,
        "texts": {s: figures.formula_text(current.weights, s) for s in figures.SCORED},
    }, status=400 if errors else 200)


@login_required
@require_POST
def close_month(request):
    viewer = _viewer(request)
    try:
        month = services._month(request.POST.get("month", ""))
        services.month_close(actor=request.user, county=viewer.county, month=month)
    except (ValueError, TypeError):
        messages.error(request, _("请选择要关账的月份。"))
        month = None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except AssessmentConflict as exc:
        messages.error(request, exc.message)
    except AssessmentDenied as exc:
        raise PermissionDenied(exc.message)
    else:
        messages.success(request, _("%(month)s 已关账：考核结果已冻结，之后的办理不再改变本月结果。")
                         % {"month": month.strftime("%Y-%m")})
    query = f"&period=month&value={month:%Y-%m}" if month else ""
    return redirect(f"{reverse('assessment:dashboard')}?county={viewer.county.pk}{query}")


@login_required
@require_POST
def reopen_month(request):
    viewer = _viewer(request)
    month = None
    try:
        month = services._month(request.POST.get("month", ""))
        services.month_reopen(actor=request.user, county=viewer.county, month=month,
                              reason=request.POST.get("reason", ""))
    except (ValueError, TypeError):
        messages.error(request, _("请选择要重新打开的月份。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except AssessmentConflict as exc:
        messages.error(request, exc.message)
    except AssessmentDenied as exc:
        raise PermissionDenied(exc.message)
    else:
        messages.success(request, _("已重新打开 %(month)s，理由已记录。") % {"month": month.strftime("%Y-%m")})
    query = f"&period=month&value={month:%Y-%m}" if month else ""
    return redirect(f"{reverse('assessment:dashboard')}?county={viewer.county.pk}{query}")


# --- 免责申请 ------------------------------------------------------------------------------------


@login_required
@require_GET
def exemption_list(request):
    bodies = permissions.bodies_for_request(request.user)
    viewers = [v for v in permissions.counties_for(request.user).values() if v.reviewer]
    if not bodies and not viewers:
        raise PermissionDenied(_("您没有免责申请的权限。"))
    queues = [{"viewer": v, "requests": list(selectors.exemption_queue(v)[:200])} for v in viewers]
    return render(request, "assessment/exemption_list.html", {
        "queues": queues, "mine": list(selectors.exemptions_of_user(request.user, bodies)[:200]) if bodies else [],
        "now": timezone.now(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def exemption_new(request):
    try:
        case = get_case_for_user(request.user, int(request.GET.get("case") or request.POST.get("case") or 0))
    except ValueError:
        raise Http404
    bodies = [b for b in permissions.bodies_for_request(request.user)]
    if not bodies:
        raise PermissionDenied(_("只有乡镇（街道）或部门的人员可以申请免责。"))
    errors, values = {}, {"reason": "", "text": "", "body": str(bodies[0].pk)}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("reason", "text", "body")}
        body = next((b for b in bodies if str(b.pk) == values["body"]), None)
        if body is None:
            errors = {"body": [_("请选择申请单位。")]}
        else:
            try:
                exemption = services.exemption_request(actor=request.user, case=case, body=body,
                                                       reason=values["reason"], text=values["text"],
                                                       files=request.FILES.getlist("files"))
            except ValidationError as exc:
                errors = exc.message_dict
            except AssessmentDenied as exc:
                raise PermissionDenied(exc.message)
            else:
                messages.success(request, _("免责申请已提交，考核办将在 %(due)s 前审核。")
                                 % {"due": timezone.localtime(exemption.due_at).strftime("%Y-%m-%d %H:%M")})
                return redirect("assessment:exemption_detail", exemption.pk)
    return render(request, "assessment/exemption_new.html", {
        "case": case, "bodies": bodies, "reasons": ExemptionReason.choices, "errors": errors, "values": values,
    }, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def exemption_detail(request, pk):
    exemption, viewer = selectors.exemption_for_user(request.user, pk)
    errors = {}
    if request.method == "POST":
        if viewer is None or not viewer.reviewer:
            raise PermissionDenied(_("只有考核办或上级督办领导可以审核免责申请。"))
        decision = request.POST.get("decision")
        if decision not in ("approve", "reject"):
            errors = {"decision": [_("请选择批准或驳回。")]}
        else:
            try:
                services.exemption_decide(actor=request.user, request=exemption, approve=decision == "approve",
                                          note=request.POST.get("note", ""))
            except ValidationError as exc:
                errors = exc.message_dict
            except AssessmentConflict as exc:
                messages.error(request, exc.message)
                return redirect("assessment:exemption_detail", pk)
            except AssessmentDenied as exc:
                raise PermissionDenied(exc.message)
            else:
                messages.success(request, _("审核结果已记录。"))
                return redirect("assessment:exemption_detail", pk)
    history = list(services.AssessmentEvent.objects.filter(subject=f"exemption:{exemption.pk}").order_by("created_at"))
    for event in history:
        event.label = services.EVENT_LABELS.get(event.action, event.action)
    return render(request, "assessment/exemption_detail.html", {
        "exemption": exemption, "viewer": viewer, "errors": errors, "history": history,
        "evidence": list(exemption.evidence.all()), "now": timezone.now(),
        "can_decide": viewer is not None and viewer.reviewer and exemption.status == ExemptionRequest.Status.PENDING,
    }, status=400 if errors else 200)


@login_required
@require_GET
def exemption_evidence(request, pk, evidence_pk):
    exemption, _viewer_ = selectors.exemption_for_user(request.user, pk)
    evidence = ExemptionEvidence.objects.filter(request=exemption, pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    return attachment_response(evidence)


# --- Public ------------------------------------------------------------------------------------


@require_GET
def public_summary(request):
    """Published per department for closed months only: received, on-time, satisfaction (no case detail)."""
    from governance.models import Level, UnitKind

    counties = list(Unit.objects.filter(level=Level.COUNTY, kind=UnitKind.GOVERNMENT, is_active=True)
                    .order_by("sort_order", "code"))
    county = next((c for c in counties if str(c.pk) == request.GET.get("county")), counties[0] if counties else None)
    closes = list(selectors.published_months(county)) if county else []
    chosen = next((c for c in closes if c.month.strftime("%Y-%m") == request.GET.get("month")),
                  closes[0] if closes else None)
    rows = []
    if chosen:
        for r in chosen.snapshot.get("department", []):
            f = r["figures"]
            rows.append({"name": r["name"], "received": f.get("received", {}).get("value"),
                         "on_time": f.get("on_time_resolution", {}).get("value"),
                         "satisfaction": f.get("satisfaction", {}).get("value")})
    return render(request, "assessment/public.html", {"counties": counties, "county": county, "closes": closes,
                                                      "chosen": chosen, "rows": rows})
