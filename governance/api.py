"""REST endpoints of the governance app: token sign-in, and units and departments (read-only and public:
the bodies of government are public knowledge)."""

import django_filters
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_auth import token_expires_at, token_for
from config.api_common import NON_FIELD, error_response, error_responses
from config.api_filters import IdFilter
from config.api_parsers import LimitedJSONParser
from governance.models import Level, Unit, UnitKind


class UnitSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id", "code", "name", "short_name", "display_name", "level", "level_display", "kind", "kind_display",
            "parent",
        ]
        read_only_fields = fields


class UnitFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("层级"))
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("类型"))
    parent = IdFilter(field_name="parent_id", label=_("上级单位 ID"))
    within = IdFilter(method="filter_within", label=_("在此单位之下（含本单位）"))
    q = django_filters.CharFilter(method="filter_q", label=_("名称或编码"))

    class Meta:
        model = Unit
        fields = ["level", "kind", "parent"]

    def filter_within(self, queryset, name, value):
        unit = Unit.objects.filter(pk=value).only("path").first()
        if unit is None:
            return queryset.none()
        return queryset.filter(path__startswith=unit.path)

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code__icontains=value))


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Active units of government: governments, departments, dispatch centres, village committees."""

    serializer_class = UnitSerializer
    permission_classes = [AllowAny]
    filterset_class = UnitFilter
    queryset = Unit.objects.filter(is_active=True).order_by("path", "sort_order", "code")


class DepartmentViewSet(UnitViewSet):
    """Functional departments only (职能部门): the bodies cases are assigned to."""

    queryset = Unit.objects.filter(is_active=True, kind=UnitKind.DEPARTMENT).order_by("path", "sort_order", "code")


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("用户名"), max_length=150)
    password = serializers.CharField(label=_("密码"), max_length=128, style={"input_type": "password"}, trim_whitespace=False)
    otp_code = serializers.CharField(
        label=_("两步验证码"), max_length=32, required=False,
        help_text=_("已启用两步验证（或岗位要求两步验证）的账号必填：验证器上的 6 位数字或一个备用码。"),
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenInfoSerializer(serializers.Serializer):
    key_prefix = serializers.CharField(help_text="令牌的前 6 位，用于辨认（完整令牌只在签发时返回一次）")
    created = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


def _no_store(response):
    """Token answers must not be kept by a browser or a proxy cache."""
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


class ObtainTokenView(APIView):
    """POST username + password -> the user's API token; GET shows it, DELETE revokes it.

    The POST goes through django.contrib.auth.authenticate with the Django request, so django-axes
    counts failures and locks out a brute-force attempt exactly as on the login page. A token expires
    API_TOKEN_TTL_HOURS after it was issued (config.api_auth); signing in again then issues a new one.
    The credentials may come as JSON or as an HTML form body (what curl --data and DRF's own obtain-token accept).
    """

    parser_classes = [LimitedJSONParser, FormParser]

    def get_authenticators(self):
        if getattr(self.request, "method", None) == "POST":
            return []  # credentials are in the body; no session, so no CSRF needed
        return super().get_authenticators()

    def get_permissions(self):
        if getattr(self.request, "method", None) == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(responses={200: TokenInfoSerializer, **error_responses(401)}, tags=["auth"],
                   summary="查看自己的 API 令牌（签发时间、到期时间）")
    def get(self, request):
        token = Token.objects.filter(user=request.user).first()
        if token is None:
            return error_response(status.HTTP_404_NOT_FOUND, _("您还没有 API 令牌。"), "not_found")
        return _no_store(Response({"key_prefix": token.key[:6], "created": token.created,
                                   "expires_at": token_expires_at(token)}))

    @extend_schema(request=None, responses={204: None, **error_responses(401)}, tags=["auth"],
                   summary="吊销自己的 API 令牌")
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return _no_store(Response(status=status.HTTP_204_NO_CONTENT))

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, **error_responses(400, 429)},
        auth=[],
        tags=["auth"],
        summary="用用户名和密码换取 API 令牌",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            request=django_request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            # Answered here in the API's body format (429, as axes does); clearing the flag keeps
            # AxesMiddleware from replacing this response with its HTML lockout page.
            django_request.axes_locked_out = False
            return error_response(
                status.HTTP_429_TOO_MANY_REQUESTS, _("登录失败次数过多，账号已暂时锁定，请稍后再试。"), "locked_out"
            )
        if user is None or not user.is_active:
            return error_response(
                status.HTTP_400_BAD_REQUEST, _("用户名或密码不正确。"), "invalid_credentials",
                {NON_FIELD: [str(_("用户名或密码不正确。"))]},
            )
        refused = _otp_refusal(user, serializer.validated_data.get("otp_code", ""))
        if refused is not None:
            return refused
        token = token_for(user)
        return _no_store(Response({"token": token.key, "expires_at": token_expires_at(token)}))


def _otp_refusal(user, code):
    """None when the user needs no second factor or gave a valid code; otherwise the error response.
    The password was right: a wrong code is a 400 on otp_code, throttled codes a 429."""
    from django_otp import user_has_device

    from governance.twofactor import otp_enforced_for, otp_verify

    if not user_has_device(user, confirmed=True):
        if otp_enforced_for(user):
            message = _("该账号须先在网页上启用两步验证，然后才能申请 API 令牌。")
            return error_response(status.HTTP_400_BAD_REQUEST, message, "otp_setup_required", {"otp_code": [str(message)]})
        return None
    try:
        otp_verify(user, code)
    except ValidationError as exc:
        message = exc.messages[0]
        if exc.code == "otp_throttled":
            return error_response(status.HTTP_429_TOO_MANY_REQUESTS, message, "otp_throttled")
        if exc.code == "otp_missing":
            message = _("该账号已启用两步验证，请同时提交验证码（otp_code）。")
            return error_response(status.HTTP_400_BAD_REQUEST, message, "otp_required", {"otp_code": [str(message)]})
        return error_response(status.HTTP_400_BAD_REQUEST, message, "otp_invalid", {"otp_code": [message]})
    return None


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
@authentication_classes([])
def api_not_found(request, *args, **kwargs):
    """Unknown /api/v1/ addresses answer in the API's error body (routed last in config.api_urls)."""
    return error_response(status.HTTP_404_NOT_FOUND, _("未找到，或您无权查看。"), "not_found")
