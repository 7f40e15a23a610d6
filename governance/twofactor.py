"""Two-factor authentication (TOTP apps such as 微信/企业微信 authenticators, Google Authenticator,
FreeOTP; with one-time backup codes), by django-otp.

Who must use it: settings.OTP_REQUIRED_ROLES names Role codes and "staff" (Django staff and
superusers). Empty (the demo, `make run`): nobody is forced, but anyone who has enrolled is asked for
a code at every sign-in. config.middleware.OTPRequiredMiddleware sends a signed-in user who must
verify to the enrolment or verification page (the API answers 403 in its format); API tokens are not
affected, but issuing one (governance.api.ObtainTokenView) needs a code from such a user.

Throttling is django-otp's: each wrong code doubles the wait before the next attempt on that device
(OTP_TOTP_THROTTLE_FACTOR / OTP_STATIC_THROTTLE_FACTOR seconds, then 2×, 4×, …), whatever the address
the attempts come from. TOTP codes cannot be replayed (a used time step is refused).
"""

import base64
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODE_COUNT = 10
# The session remembers that a signed-in user needs no code (not enforced, no device), so that the
# check costs no query on later pages. Keyed by user id; a new sign-in (new session) checks again.
EXEMPT_SESSION_KEY = "otp_exempt_user"


def otp_enforced_for(user):
    """Whether settings.OTP_REQUIRED_ROLES makes this user use a second factor."""
    required = set(getattr(settings, "OTP_REQUIRED_ROLES", ()))
    if not required or not user.is_authenticated:
        return False
    if "staff" in required and (user.is_staff or user.is_superuser):
        return True
    return user.memberships.filter(role__in=required - {"staff"}, is_active=True).exists()


def otp_required_for(user):
    """Enforced by setting, or chosen by the user (a confirmed device)."""
    return user_has_device(user, confirmed=True) or otp_enforced_for(user)


def verification_needed(request):
    """None, "verify" (has a device, not verified in this session) or "setup" (must enrol first)."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    if request.session.get(EXEMPT_SESSION_KEY) == user.pk:
        return None
    if user_has_device(user, confirmed=True):
        return "verify"
    if otp_enforced_for(user):
        return "setup"
    request.session[EXEMPT_SESSION_KEY] = user.pk
    return None


def remember_exemption_at_sign_in(sender, request, user, **kwargs):
    """user_logged_in: decide at sign-in, while the session is being saved anyway, that this user needs no
    second factor (no device, not enforced), so that the pages after it do not look up devices or re-save the
    session on the first request. The same rule as verification_needed's last step."""
    session = getattr(request, "session", None)
    if session is None or user is None:
        return
    if not user_has_device(user, confirmed=True) and not otp_enforced_for(user):
        session[EXEMPT_SESSION_KEY] = user.pk


def _throttle_message(info):
    locked_until = (info or {}).get("locked_until")
    if locked_until:
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
        return _("验证码错误次数过多，请 %(s)s 秒后再试。") % {"s": seconds}
    return _("验证码错误次数过多，请稍后再试。")


def otp_verify(user, code, devices=None):
    """The device that accepts `code` (a TOTP code or an unused backup code; a backup code is used up),
    or ValidationError with a clear message: wrong code, or throttled after wrong codes."""
    code = "".join((code or "").split()).lower()
    if not code:
        raise ValidationError(_("请输入验证码。"), code="otp_missing")
    devices = list(devices if devices is not None else devices_for_user(user, confirmed=True))
    throttled = None
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            throttled = info
            continue
        if device.verify_token(code):
            return device
    if throttled is not None:
        raise ValidationError(_throttle_message(throttled), code="otp_throttled")
    raise ValidationError(_("验证码不正确或已使用，请输入验证器上当前显示的 6 位数字，或一个未用过的备用码。"),
                          code="otp_invalid")


# --- Enrolment (writes) -------------------------------------------------------------------------


def totp_device_pending(user):
    """The user's unconfirmed TOTP device (created on first use): its secret is shown until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user, code):
    """Confirm the pending device with a code from the app; returns (device, backup codes)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise ValidationError(_("请重新打开启用页面，扫描新的二维码。"), code="otp_no_device")
    otp_verify(user, code, devices=[device])
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return device, backup_codes_regenerate(user=user)


@transaction.atomic
def backup_codes_regenerate(*, user):
    """A fresh set of BACKUP_CODE_COUNT one-time codes; the previous ones stop working. Shown once."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _n in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def backup_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_qr_svg(device):
    """The enrolment QR code as inline SVG markup (no image request, nothing inline for the CSP to refuse)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def totp_secret_base32(device):
    """The secret as people type it into an app by hand (base32, in groups of four)."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))
