import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render, resolve_url
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from governance import services
from governance.selectors import notification_group_items, notification_groups, notification_ids_in_groups

logger = logging.getLogger(__name__)


class LoginForm(AuthenticationForm):
    """Django's form, but a username longer than any account's is refused before authenticate(): Django sets
    the field's max_length after its validators are built, so it is not enforced, and django-axes would then
    record the failed attempt in a 255-character column (a 500)."""

    def clean_username(self):
        username = self.cleaned_data.get("username") or ""
        if len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        return username


class LoginView(auth_views.LoginView):
    """Django's login, telling people up front how many wrong passwords lock the account (django-axes)."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lockout_limit"] = settings.AXES_FAILURE_LIMIT
        context["lockout_cooloff"] = settings.AXES_COOLOFF_TIME
        return context


@login_required
@require_GET
def notifications(request):
    """Notifications one row per case (a case's assignment, urges and escalations together), with the
    unread count of each; ticked rows, or all, can be marked read at once."""
    page = Paginator(notification_groups(request.user), 30).get_page(request.GET.get("page"))
    notification_group_items(request.user, page.object_list)
    return render(request, "governance/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_mark_read(request):
    keys = request.POST.getlist("group")
    if keys:
        services.notification_mark_read(user=request.user,
                                        notification_ids=notification_ids_in_groups(request.user, keys[:200]))
    elif not request.POST.get("selected"):  # "全部标为已读" (and the plain POST of older pages)
        services.notification_mark_read(user=request.user)
    return redirect(request.POST.get("next") if (request.POST.get("next") or "").startswith("/notifications/")
                    and "//" not in request.POST.get("next") else "notifications")




# --- Two-factor authentication (governance.twofactor) -------------------------------------------


def _next_url(request):
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class OTPCodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none",
                                      "spellcheck": "false", "autofocus": True}),
        help_text=_("验证器应用上当前显示的 6 位数字；手机不在身边时，可输入一个备用码。"),
        error_messages={"required": _("请输入验证码。")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """The second step of signing in: a code from the user's authenticator app, or a backup code."""
    from django_otp import login as otp_login

    from governance.twofactor import otp_verify as verify
    from governance.twofactor import verification_needed

    if verification_needed(request) != "verify":
        return redirect(_next_url(request) if request.user.is_verified() else "otp_setup")
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = verify(request.user, form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            otp_login(request, device)
            if device.persistent_id.startswith("otp_static"):
                messages.warning(request, _("您使用了一个备用码（每个只能用一次），剩余 %(n)s 个。") % {
                    "n": backup_codes_left(request.user)})
            return redirect(_next_url(request))
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Enrolment: scan the QR code (or type the secret), confirm with a code, receive the backup codes.
    A user who has already enrolled (and verified this session) sees the status and may renew the codes."""
    from django_otp import login as otp_login
    from django_otp import user_has_device

    from governance import twofactor

    if user_has_device(request.user, confirmed=True):
        if not request.user.is_verified():
            return redirect("otp_verify")
        return render(request, "registration/otp_status.html", {
            "backup_left": backup_codes_left(request.user), "enforced": twofactor.otp_enforced_for(request.user),
        })
    device = twofactor.totp_device_pending(request.user)
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = twofactor.totp_device_confirm(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            otp_login(request, device)
            return render(request, "registration/otp_backup_codes.html", {"codes": codes, "next": _next_url(request)})
    return render(request, "registration/otp_setup.html", {
        "form": form, "qr_svg": mark_safe(twofactor.totp_qr_svg(device)),  # noqa: S308 - SVG made by qrcode here
        "secret": twofactor.totp_secret_base32(device), "next": _next_url(request),
        "enforced": twofactor.otp_enforced_for(request.user),
    })


@login_required
@require_POST
def otp_backup_codes(request):
    """New backup codes (the old ones stop working); only after verifying in this session."""
    from governance.twofactor import backup_codes_regenerate

    if not request.user.is_verified():
        return redirect("otp_verify")
    return render(request, "registration/otp_backup_codes.html", {
        "codes": backup_codes_regenerate(user=request.user), "next": resolve_url(settings.LOGIN_REDIRECT_URL),
    })


def backup_codes_left(user):
    from governance.twofactor import backup_codes_left as left

    return left(user)
