"""What every REST endpoint shares: the error body, pagination, throttles and token sign-in.

Error body (documented in the OpenAPI schema as `Error`), whatever went wrong:
    {"detail": "人能读懂的中文说明", "code": "machine_code", "errors": {"field": ["..."]}}
`errors` is present (possibly empty) on 400 responses only. The status codes follow the HTML views:
400 bad input, 401 no credentials, 403/404 as cases.selectors.get_case_for_user decides, 409 a
transition not allowed from the current state or lost to a concurrent action, 429 throttled.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from config.cache import count_hit

NON_FIELD = "non_field_errors"


def _case_exceptions():
    """The cases app's domain errors (imported lazily: governance must not import cases at load time)."""
    from cases.exceptions import CaseConflict, CaseError, CasePermissionDenied

    return CaseError, CasePermissionDenied, CaseConflict


def _flatten(detail):
    """DRF's nested ErrorDetail structure -> {field: [message, ...]} with plain strings."""
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub_key, sub_value in _flatten(value).items():
                    out[f"{key}.{sub_key}"] = sub_value
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, entry in enumerate(value):
                    for sub_key, sub_value in _flatten(entry).items():
                        out[f"{key}[{index}].{sub_key}"] = sub_value
            else:
                out[key] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {NON_FIELD: [str(v) for v in detail]}
    return {NON_FIELD: [str(detail)]}


def django_validation_errors(exc):
    """A django ValidationError (from a service) -> {field: [messages]} with `non_field_errors` for the rest."""
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD if field == "__all__" else field): [str(m) for m in DjangoValidationError(errors).messages]
            for field, errors in exc.error_dict.items()
        }
    return {NON_FIELD: [str(m) for m in exc.messages]}


def parse_id(raw, *, max_digits=18):
    """A query or path parameter that must be a plain non-negative integer -> int, else None.

    str.isdigit() is not enough: it accepts "²" or "١٢", which int() then refuses or reads unexpectedly;
    only ASCII digits, and few enough to fit a bigint, are an id.
    """
    raw = (raw or "").strip()
    if not raw or len(raw) > max_digits or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)


def error_response(status_code, detail, code, errors=None, headers=None):
    body = {"detail": str(detail), "code": code}
    if errors is not None:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers)


def _admission_exceptions():
    from admission.exceptions import AdmissionConflict, AdmissionError, AdmissionPermissionDenied

    return AdmissionError, AdmissionPermissionDenied, AdmissionConflict


def _list_exceptions():
    from responsibilities.exceptions import ListConflict, ListError, ListPermissionDenied

    return ListError, ListPermissionDenied, ListConflict


def _assessment_exceptions():
    from assessment.services import AssessmentConflict, AssessmentDenied

    # Assessment has no common base error: bad input is a django ValidationError (handled below).
    return AssessmentConflict, AssessmentDenied, AssessmentConflict


def api_exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error in the one body shape described above."""
    # Domain errors of the lists and cases services, most specific first. A permission refusal by a
    # service (the selector already let the actor see the object) is a 403, as in the HTML views.
    for base, denied, conflict in (_list_exceptions(), _case_exceptions(), _admission_exceptions(),
                                   _assessment_exceptions()):
        if isinstance(exc, conflict):
            return error_response(status.HTTP_409_CONFLICT, exc.message, "conflict")
        if isinstance(exc, denied):
            return error_response(status.HTTP_403_FORBIDDEN, exc.message, "permission_denied")
        if isinstance(exc, base):
            return error_response(
                status.HTTP_400_BAD_REQUEST, exc.message, "invalid", {NON_FIELD: [str(exc.message)]}
            )
    if isinstance(exc, DjangoValidationError):
        errors = django_validation_errors(exc)
        return error_response(status.HTTP_400_BAD_REQUEST, _("提交的数据有误，请按提示修改。"), "invalid", errors)
    if isinstance(exc, Http404):
        return error_response(status.HTTP_404_NOT_FOUND, _("未找到，或您无权查看。"), "not_found")
    if isinstance(exc, DjangoPermissionDenied):
        return error_response(status.HTTP_403_FORBIDDEN, _("您无权执行此操作。"), "permission_denied")

    from rest_framework.views import exception_handler as drf_exception_handler  # (views import this module)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": str(_("提交的数据有误，请按提示修改。")),
            "code": "invalid",
            "errors": _flatten(exc.detail),
        }
        return response
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
    if isinstance(exc, exceptions.NotFound):
        detail, codes = _("未找到，或您无权查看。"), "not_found"
    elif isinstance(exc, exceptions.NotAuthenticated):
        detail = _("请先登录，或在 Authorization 头中提供令牌（Token …）。")
    elif isinstance(exc, exceptions.PermissionDenied) and codes == "permission_denied":
        detail = detail or _("您无权执行此操作。")
    elif isinstance(exc, exceptions.Throttled):
        detail = _("请求过于频繁，请 %(seconds)s 秒后再试。") % {"seconds": exc.wait and int(exc.wait) or 1}
    response.data = {"detail": str(detail), "code": codes if isinstance(codes, str) else "error"}
    if response.status_code == status.HTTP_400_BAD_REQUEST:
        response.data["errors"] = {}  # every 400 carries `errors` (a malformed body has no field to name)
    return response


class Pagination(PageNumberPagination):
    """Page-number pagination on every list; clients choose page_size up to a hard ceiling.

    Stricter than DRF's: a page_size that is not an integer from 1 to 100 is a 400 with a field error
    rather than silently replaced by the default (a client asking for 500 rows should learn it gets 100).
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_number(self, request, paginator):
        """A page that is not a positive integer (`page=`, `page=x`) is a 400, as the schema says, not page 1."""
        raw = request.query_params.getlist(self.page_query_param)
        if not raw:
            return 1
        number = parse_id(raw[0]) if len(raw) == 1 else None
        if number is None or number < 1:
            raise exceptions.ValidationError({self.page_query_param: [_("页码应为正整数。")]})
        return number

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        size = parse_id(raw[0], max_digits=4) if len(raw) == 1 else None
        if size is None or not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("每页条数应为 1 到 %(max)d 之间的整数。") % {"max": self.max_page_size}]}
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": 10**18 - 1})  # parse_id: at most 18 digits
        return parameters


class _SettingsRate:
    """Read the rate from settings on every request rather than once at import, so operators (and
    tests) can change API_THROTTLE_* without the class caching the old value."""

    def get_rate(self):
        return api_settings.user_settings.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope) or super().get_rate()

    # A fixed-window counter (config.cache.count_hit: one Redis round trip per request) instead of DRF's
    # sliding log, which reads and rewrites the list of every request's timestamp in the window: at 100 reports a second that is
    # thousands of floats pickled to and from Redis per request. A client may burst up to twice the rate
    # across a window boundary; the rate is an abuse guard, not a quota, so that is fine.
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        window = int(self.timer() // self.duration)
        self._window_ends = (window + 1) * self.duration
        return count_hit(f"{self.key}:w{window}", self.duration + 1, cache=self.cache) <= self.num_requests

    def wait(self):
        return max(self._window_ends - self.timer(), 1)


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    """Anonymous clients, per IP address (public list reads, Open311 GETs)."""


class UserThrottle(_SettingsRate, UserRateThrottle):
    """Signed-in clients, per user (token clients such as a 12345 hotline system, and the browser)."""


class Open311Throttle(_SettingsRate, AnonRateThrottle):
    """Open311 clients per IP address, whatever their api_key."""

    scope = "open311"


ERROR_SCHEMA = inline_serializer(
    name="Error",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False),
    },
)


def error_responses(*codes):
    """OpenAPI responses for the error codes an operation can answer, all with the Error body."""
    descriptions = {
        400: "输入有误（errors 按字段列出）",
        401: "未登录",
        403: "无权操作",
        404: "不存在或无权查看",
        409: "当前状态不允许此操作，或已被他人抢先处理",
        429: "请求过于频繁",
    }
    return {code: OpenApiResponse(ERROR_SCHEMA, description=descriptions[code]) for code in codes}
