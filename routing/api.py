"""GET /api/v1/routing/suggest/?text=...&township=<unit code>: the routing service for any signed-in user."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_common import error_responses
from governance.models import Level, Unit, UnitKind
from routing import services

MAX_TEXT = 2000


class DepartmentOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField(help_text="部门类型（routing.models.DepartmentType）")
    score = serializers.FloatField(help_text="0–1")


class ItemOut(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=["basic", "assisting", "negative"])
    department = serializers.CharField(allow_null=True, help_text="责任部门的单位编码；基本履职事项为 null")
    score = serializers.FloatField(help_text="BM25 分值")


class SuggestionOut(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=["township", "department", "undecided"],
        help_text="township：属乡镇（街道）基本履职事项；department：需部门办理；undecided：交指挥中心人工研判",
    )
    confidence = serializers.FloatField(help_text="0–1")
    departments = DepartmentOut(many=True)
    items = ItemOut(many=True)
    matched = serializers.ListField(child=serializers.CharField(), help_text="匹配上的词（已归并同义词）")
    model_version = serializers.IntegerField(allow_null=True, help_text="给出建议的学习模型版本")


class SuggestView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="routing_suggest",
        parameters=[
            OpenApiParameter("text", {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}, required=True, description=f"事项描述（最多 {MAX_TEXT} 字）"),
            OpenApiParameter("township", str, required=False, description="乡镇（街道）的单位编码，例如 SFX-CGJD"),
        ],
        responses={200: SuggestionOut, **error_responses(400, 401, 429)},
        summary="这件事归谁管？分拨建议", tags=["routing"],
    )
    def get(self, request):
        errors = {}
        text = request.query_params.get("text", "").strip()
        if not text:
            errors["text"] = [_("请填写事项描述。")]
        elif len(text) > MAX_TEXT:
            errors["text"] = [_("事项描述最多 %(n)s 字。") % {"n": MAX_TEXT}]
        township = None
        code = request.query_params.get("township", "").strip()
        if code:
            township = Unit.objects.filter(
                code=code[:32], level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT, is_active=True
            ).first()
            if township is None:
                errors["township"] = [_("没有这个乡镇（街道）。")]
        if errors:
            raise serializers.ValidationError(errors)
        return Response(services.suggest(text, township=township).as_dict())


