"""HTML views for deadline extensions (延期申请) and urging (催办). Thin: parse, call one service, render.

Every form works without JavaScript: GET shows a page with the form, POST acts and goes back to
the case page; invalid input re-renders the form with the user's input and a Chinese message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import deadlines, workflow
from cases.escalation import case_url
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.extensions import case_extension_decide, case_extension_request, case_urge
from cases.forms import ExtensionDecideForm, ExtensionRequestForm, UrgeForm
from cases.models import ExtensionRequest
from cases.selectors import get_case_for_user
from config.forms import service_errors_into_form


def _not_now(request, case):
    """The role is there but the case's state or deadline does not allow the step now (cases.workflow):
    the case page says so instead of a form the service would refuse."""
    messages.error(request, _("该事项当前的状态或时限不允许此操作。请刷新页面查看最新进展。"))
    return redirect(case_url(case.pk))


def _run(request, case, form, call, success):
    """Call one service for a valid form. Returns the redirect to the case page when it ran (or lost a
    race: a message says so); None after bad input, whose errors are now on the form to re-render."""
    try:
        call()
    except ValidationError as error:
        service_errors_into_form(form, error)
        return None
    except CasePermissionDenied as error:
        raise PermissionDenied(str(error.message))
    except CaseConflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(case_url(case.pk))


@login_required
@require_http_methods(["GET", "POST"])
def extension_request(request, pk):
    case = get_case_for_user(request.user, pk)
    if not workflow.who("extend", request.user, case):
        raise PermissionDenied(_("只有牵头部门的办理人员可以申请延期。"))
    if request.method == "GET" and not workflow.allowed("extend", request.user, case):
        return _not_now(request, case)
    form = ExtensionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, case, form, lambda: case_extension_request(
            case=case, actor=request.user, reason=form.cleaned_data["reason"],
            requested_due_at=form.cleaned_data["requested_due_at"],
        ), _("延期申请已提交，等待分拨中心或督办领导审批。"))
        if done:
            return done
    return render(request, "cases/extension_request.html", {
        "case": case, "form": form, "time_left": deadlines.time_left(case, timezone.now()),
    })


@login_required
@require_http_methods(["GET", "POST"])
def extension_decide(request, pk):
    extension = get_object_or_404(ExtensionRequest.objects.select_related("requested_by"), pk=pk)
    case = get_case_for_user(request.user, extension.case_id)
    if not workflow.who("extension_decision", request.user, case):
        raise PermissionDenied(_("只有分拨中心或督办领导可以审批延期申请。"))
    form = ExtensionDecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approved = form.cleaned_data["decision"] == "approve"
        done = _run(request, case, form, lambda: case_extension_decide(
            extension=extension, actor=request.user, approve=approved, note=form.cleaned_data["note"],
        ), _("已批准延期，时限已更新。") if approved else _("已驳回延期申请。"))
        if done:
            return done
    return render(request, "cases/extension_decide.html", {"case": case, "extension": extension, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def urge(request, pk):
    case = get_case_for_user(request.user, pk)
    if not workflow.who("urge", request.user, case):
        raise PermissionDenied(_("只有督办领导可以催办计时中的事项。"))
    if request.method == "GET" and not workflow.allowed("urge", request.user, case):
        return _not_now(request, case)
    form = UrgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, case, form, lambda: case_urge(
            case=case, actor=request.user, message=form.cleaned_data["message"],
        ), _("已催办，相关办理人员会收到通知。"))
        if done:
            return done
    return render(request, "cases/extension_urge.html", {"case": case, "form": form})

