"""Middleware of the governance app."""

from csp.middleware import CSPMiddleware

from config import views


class HealthzMiddleware:
    """Answer GET /healthz before anything reads the Host header.

    Container and load-balancer health checks call http://127.0.0.1:8000/healthz, a host that
    is (rightly) not in ALLOWED_HOSTS; going through the rest of the stack would turn every
    check into a DisallowedHost 400. The answer holds no user data and sets no cookie, so it
    is safe to give whatever Host was asked for. Must be first in settings.MIDDLEWARE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return views.healthz(request)
        return self.get_response(request)


class SessionTouchMiddleware:
    """Sliding session expiry without a session write on every page.

    Sessions end SESSION_COOKIE_AGE seconds after the last request. Writing the session on every request
    (SESSION_SAVE_EVERY_REQUEST) costs three statements per page; here a signed-in session is re-saved
    (and its expiry pushed back) only when its last save is SESSION_TOUCH_SECONDS old, so the idle limit
    is kept to within that many seconds. The stamp is set whenever the session is saved anyway (sign-in);
    a session without one (made by a test client's force_login, or before this middleware existed) is
    not touched, so it lasts SESSION_COOKIE_AGE from its last save. Must come right after SessionMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.conf import settings

        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            touched = session.get("_touched")
            if session.modified or (touched is not None and now - touched >= settings.SESSION_TOUCH_SECONDS):
                session["_touched"] = now  # saved by SessionMiddleware, which pushes the expiry back
        return response


def _has_nul(values, *, keys=True):
    # Body field names are only looked up, never stored: a form or serializer ignores an unknown
    # name, so only the values of a posted body are checked (its schema allows unknown fields).
    return any((keys and "\x00" in key) or any("\x00" in v for v in values.getlist(key)) for key in values)


class RejectNullCharactersMiddleware:
    """A NUL character (%00) in the address, the query string or a form field is a 400, before any view.

    PostgreSQL text cannot hold NUL, so a raw parameter carrying one used in a query or saved by a
    service would otherwise end in a 500 (forms refuse it, but search boxes, filters and Open311's
    parameters are read directly). No real client sends one. The answer is in the shape the caller
    reads: the API's error body under /api/, an Open311 error under /open311/, the 400 page elsewhere.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        content_type = request.META.get("CONTENT_TYPE", "")
        form_body = request.method == "POST" and content_type.startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        )
        if "\x00" in request.path or _has_nul(request.GET) or (form_body and _has_nul(request.POST, keys=False)):
            return self._bad_request(request)
        return self.get_response(request)

    @staticmethod
    def _bad_request(request):
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        message = _("请求中含有不允许的空字符（%00）。")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "invalid", "errors": {}}, status=400)
        if request.path.startswith("/open311/"):
            from cases.open311.rendering import render_error

            return render_error("json" if request.path.endswith(".json") else "xml", 400, message)
        from django.views.defaults import bad_request

        return bad_request(request, exception=None)


API_PREFIXES = ("/api/", "/open311/")
# Pages under /api/ that are HTML on purpose (Swagger UI).
API_HTML_PATHS = ("/api/docs/",)


def api_error_response(request, status, message=None):
    """An error for a request under /api/ or /open311/ in that interface's documented format."""
    from django.http import JsonResponse
    from django.utils.translation import gettext as _

    if message is None:
        message = {
            400: _("请求格式有误。"), 403: _("您无权执行此操作。"), 404: _("未找到，或您无权查看。"),
            405: _("不支持此请求方法。"), 413: _("请求体过大。"), 500: _("服务器内部错误，请稍后再试。"),
        }.get(status, _("请求未能完成。"))
    if request.path.startswith("/open311/"):
        from cases.open311.rendering import render_error

        return render_error("json" if request.path.endswith(".json") else "xml", status, message)
    code = {400: "invalid", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed",
            413: "too_large", 500: "server_error"}.get(status, "error")
    body = {"detail": message, "code": code}
    if status == 400:
        body["errors"] = {}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


class ApiErrorFormatMiddleware:
    """Under /api/ and /open311/, an HTML error answer from a layer below becomes the interface's error body.

    The views answer in their format themselves; what reaches here as an HTML error page comes from
    Django around them: a malformed multipart body (read by the CSRF or NUL middleware), a CSRF refusal,
    an oversized body, and any 500 (the exception is logged by Django before this runs). Second in
    settings.MIDDLEWARE, so every layer below is covered.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            # DRF's own answers are already in the format the client negotiated (the browsable API's HTML too).
            and getattr(response, "accepted_renderer", None) is None
            and request.path.startswith(API_PREFIXES)
            and not request.path.startswith(API_HTML_PATHS)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            replacement = api_error_response(request, response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response


def map_tile_origins(tile_url, subdomains):
    """The origins Leaflet loads tiles from: MAP_TILE_URL's scheme and host, one per {s} subdomain."""
    from urllib.parse import urlsplit

    if not tile_url:
        return []
    hosts = [tile_url.replace("{s}", sub) for sub in subdomains] if "{s}" in tile_url else [tile_url]
    origins = []
    for url in hosts:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme in ("http", "https") and parts.netloc and origin not in origins:
            origins.append(origin)
    return origins


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the map tile server's origin (read per request, as settings may
    change in tests) added to img-src: tiles from anywhere else are refused."""

    def get_policy_parts(self, request, response, report_only=False):
        from django.conf import settings

        parts = super().get_policy_parts(request, response, report_only=report_only)
        origins = map_tile_origins(settings.MAP_TILE_URL, settings.MAP_TILE_SUBDOMAINS)
        if origins and not report_only:
            update = dict(parts.update or {})
            update["img-src"] = [*update.get("img-src", []), *origins]
            parts.update = update
        return parts


class OTPRequiredMiddleware:
    """After django_otp's OTPMiddleware: a signed-in user who must give a second factor
    (governance.twofactor.verification_needed) reaches only the enrolment/verification pages and
    sign-out until they have; pages redirect there, /api/ and /open311/ answer 403 in their format.
    API token requests are not signed in here (DRF authenticates them in the view), so tokens work."""

    EXEMPT_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode
        from django.utils.translation import gettext as _

        from governance.twofactor import verification_needed

        if request.path_info.startswith(self.EXEMPT_PREFIXES):
            return self.get_response(request)
        needed = verification_needed(request)
        if needed is None:
            return self.get_response(request)
        if request.path_info.startswith(("/api/", "/open311/")) and not request.path_info.startswith(API_HTML_PATHS):
            return api_error_response(request, 403, _("该账号需要两步验证：请先在网页上完成验证。"))
        target = reverse("otp_verify" if needed == "verify" else "otp_setup")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
