"""Open311 GeoReport v2 endpoints under /open311/v2/ (routes in config.api_urls)."""

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions as drf_exceptions
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from cases.models import Case, Channel
from cases.open311.keys import api_key_authenticate
from cases.open311.rendering import (
    Open311Error,
    general_service,
    render,
    render_error,
    request_dict,
    service_definition,
    service_dict,
)
from cases.open311.selectors import _jurisdiction, find_service, open311_cases, published_items, request_search
from cases.open311.services import open311_request_create
from config.api_common import Open311Throttle, parse_id

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"


def _tolerant_params(request):
    """Query string and form body merged (body wins), tolerating what real clients send: a form body
    without a charset or even without a content type, and the api_key in the query string."""
    params = request.GET.copy()
    body = request._request.POST
    if not body and request.method == "POST" and request._request.body:
        content_type = request.META.get("CONTENT_TYPE", "")
        if not content_type or content_type.startswith("text/plain") or "urlencoded" in content_type:
            try:
                body = QueryDict(request._request.body, encoding=settings.DEFAULT_CHARSET)
            except UnicodeDecodeError:
                raise Open311Error(400, _("请求体不是 UTF-8 编码的表单。"))
    for key in body:
        params.setlist(key, body.getlist(key))
    if any("\x00" in key or any("\x00" in v for v in params.getlist(key)) for key in params):
        raise Open311Error(400, _("请求中含有不允许的空字符（%00）。"))
    return params


@extend_schema(exclude=True)  # Open311 is its own standard, documented at open311.org, not in our OpenAPI
class Open311View(APIView):
    authentication_classes = []  # api_key only: no session, so no cross-site request can borrow one
    permission_classes = [AllowAny]
    throttle_classes = [Open311Throttle]
    parser_classes = []  # bodies are read by _tolerant_params from Django's request

    def handle_exception(self, exc):
        fmt = self.kwargs.get("fmt", "xml")
        if isinstance(exc, Open311Error):
            return render_error(fmt, exc.status, exc.description)
        if isinstance(exc, drf_exceptions.Throttled):
            response = render_error(fmt, 429, _("请求过于频繁，请稍后再试。"))
            if exc.wait:
                response["Retry-After"] = str(int(exc.wait) + 1)
            return response
        if isinstance(exc, drf_exceptions.MethodNotAllowed):
            return render_error(fmt, 405, _("不支持的请求方法。"))
        if isinstance(exc, drf_exceptions.APIException):
            return render_error(fmt, exc.status_code, str(exc.detail))
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        # Our responses are plain Django responses, already rendered in the spec's format.
        if isinstance(response, HttpResponse) and not hasattr(response, "data"):
            return response
        return super().finalize_response(request, response, *args, **kwargs)


class DiscoveryView(Open311View):
    def get(self, request, fmt):
        base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
        payload = {
            "changeset": CHANGESET,
            "contact": _("%(platform)s 运维：%(email)s（接入密钥由县级管理员在后台按乡镇发放）")
            % {"platform": settings.PLATFORM_NAME, "email": settings.DEFAULT_FROM_EMAIL},
            "key_service": _("请联系县级指挥中心管理员申领 api_key。"),
            "endpoints": [
                {
                    "specification": SPEC_URL,
                    "url": base,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }
        return render(fmt, "discovery", None, payload)


class ServiceListView(Open311View):
    def get(self, request, fmt):
        params = _tolerant_params(request)
        services = [service_dict(item) for item in published_items(_jurisdiction(params))]
        services.append(general_service())
        return render(fmt, "services", "service", services)


class ServiceDefinitionView(Open311View):
    def get(self, request, fmt, code):
        params = _tolerant_params(request)
        if find_service(code, _jurisdiction(params)) is None:
            raise Open311Error(404, _("未知的 service_code：%(code)s") % {"code": code[:50]})
        return render(fmt, "service_definition", None, service_definition(code))


class RequestListView(Open311View):
    def get(self, request, fmt):
        cases = request_search(_tolerant_params(request))
        return render(fmt, "service_requests", "request", [request_dict(c) for c in cases])

    def post(self, request, fmt):
        params = _tolerant_params(request)
        clear_key = (params.get("api_key") or "").strip()
        if not clear_key:
            raise Open311Error(400, _("缺少 api_key。"))
        key = api_key_authenticate(clear_key)
        if key is None:
            raise Open311Error(403, _("api_key 无效或已停用。"))
        case = open311_request_create(key=key, params=params)
        payload = [{"service_request_id": case.number, "token": str(case.pk), "service_notice": "", "account_id": ""}]
        return render(fmt, "service_requests", "request", payload, status=201)


class RequestDetailView(Open311View):
    def get(self, request, fmt, request_id):
        case = open311_cases().filter(number=request_id).first()
        if case is None:
            raise Open311Error(404, _("未找到服务请求：%(id)s") % {"id": request_id[:50]})
        return render(fmt, "service_requests", "request", [request_dict(case)])


class TokenView(Open311View):
    def get(self, request, fmt, token):
        case = None
        case_id = parse_id(token)
        if case_id is not None:
            case = Case.objects.filter(channel=Channel.OPEN311, pk=case_id).only("pk", "number").first()
        if case is None:
            raise Open311Error(404, _("未找到令牌：%(token)s") % {"token": token[:50]})
        return render(fmt, "service_requests", "request", [{"service_request_id": case.number, "token": token}])

