"""HTML views for deadline extensions (延期申请) and urging (催办). Thin: parse, call one service, render.

Every form works without JavaScript: GET shows a page with the form, POST acts and goes back to
the case page; invalid input re-renders the form with the user's input and a Chinese message.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cases import deadlines
from cases.escalation import case_url
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.extensions import (
    can_decide_extension,
    can_request_extension,
    can_urge,
    case_extension_decide,
    case_extension_request,
    case_urge,
)
from cases.models import ExtensionRequest
from cases.selectors import get_case_for_user


class ExtensionRequestForm(forms.Form):
    requested_due_at = forms.DateTimeField(
        label=gettext_lazy("申请延至"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=gettext_lazy("须晚于当前时限，并在当前时限到期前提出。"),
        error_messages={"required": gettext_lazy("请填写申请延至的时间。"),
                        "invalid": gettext_lazy("请输入有效的日期和时间，例如 2026-12-01 17:00。")},
    )
    reason = forms.CharField(
        label=gettext_lazy("申请理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
        error_messages={"required": gettext_lazy("请填写申请延期的理由。")},
    )


class ExtensionDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("审批结果"), widget=forms.RadioSelect,
        choices=[("approve", gettext_lazy("批准")), ("reject", gettext_lazy("驳回"))],
        error_messages={"required": gettext_lazy("请选择批准或驳回。")},
    )
    note = forms.CharField(
        label=gettext_lazy("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text=gettext_lazy("驳回时必填。"),
    )


class UrgeForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("催办意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        error_messages={"required": gettext_lazy("请填写催办意见。")},
    )


def _apply_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            for e in errs:
                form.add_error(field if field in form.fields else None, e)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _run(request, case, form, call, success):
    """Call one service for a valid form. Returns the redirect to the case page when it ran (or lost a
    race: a message says so); None after bad input, whose errors are now on the form to re-render."""
    try:
        call()
    except ValidationError as error:
        _apply_errors(form, error)
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
    if not can_request_extension(request.user, case):
        raise PermissionDenied(_("只有牵头部门的办理人员可以申请延期。"))
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
    if not can_decide_extension(request.user, case):
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
    if not can_urge(request.user, case):
        raise PermissionDenied(_("只有督办领导可以催办计时中的事项。"))
    form = UrgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, case, form, lambda: case_urge(
            case=case, actor=request.user, message=form.cleaned_data["message"],
        ), _("已催办，相关办理人员会收到通知。"))
        if done:
            return done
    return render(request, "cases/extension_urge.html", {"case": case, "form": form})

