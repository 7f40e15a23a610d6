"""REST endpoints under /api/v1/assessment/: figures, ranking, exemption requests, closed months (read-only).

The same two doors as the HTML pages: assessment.permissions decides whose figures a user sees (a 403 for no
assessment view at all, a 404 for an object outside it), assessment.selectors builds the figures (a closed
month from its snapshot), assessment.services performs each write with its own checks, locks and events.
Errors are in the documented API body (config.api_common): bad input 400, a role the actor lacks 403, an
exemption decided meanwhile 409.
"""

from datetime import date

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment import figures, permissions, selectors, services
from assessment.models import ExemptionReason, ExemptionRequest, MonthClose
from cases.selectors import get_case_for_user
from config.api_common import error_responses, parse_id
from config.api_filters import ID_SCHEMA

TAGS = ["assessment"]
# What figures.parse_period reads as a period value: a year, a month of it or a quarter of it.
PERIOD_VALUE_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"
PERIOD_PARAMETERS = [
    OpenApiParameter("county", ID_SCHEMA, description="县（区）政府单位 id；省略：您可查看的第一个县"),
    OpenApiParameter("period", OpenApiTypes.STR, enum=["month", "quarter", "year", "custom"],
                     description="省略：上个月"),
    OpenApiParameter("value", {"type": "string", "pattern": PERIOD_VALUE_PATTERN},
                     description="2026-05 | 2026-Q2 | 2026"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="period=custom 的起始日"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="period=custom 的截止日（含）"),
]


def _viewer(request):
    raw = request.query_params.get("county")
    county_id = None
    if raw is not None:
        county_id = parse_id(raw)
        if county_id is None:
            raise ValidationError({"county": [_("县（区）单位 id 应为正整数。")]})
    viewer = permissions.viewer_for(request.user, county_id)
    if viewer is None:
        if county_id is not None and permissions.counties_for(request.user):
            raise Http404
        raise PermissionDenied(_("您没有查看考核结果的权限。"))
    return viewer


def _period(request):
    # A date that does not parse is refused whatever the period (it is not silently ignored for period=month).
    for name in ("from", "to"):
        raw = request.query_params.get(name)
        if raw:
            try:
                date.fromisoformat(raw)
            except ValueError:
                raise ValidationError({name: [_("日期格式应为 YYYY-MM-DD。")]})
    try:
        return figures.parse_period(request.query_params, timezone.localdate(), strict=True)
    except ValueError:
        raise ValidationError({"period": [_("考核期间无法识别：period=month&value=2026-05、quarter&value=2026-Q2、"
                                            "year&value=2026 或 custom&from=2026-01-01&to=2026-03-31。")]})


# --- Output shapes (for the schema; the data is the report dict the pages render) -------------------


class CellSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="分子（计数指标即数量）")
    d = serializers.IntegerField(allow_null=True, help_text="分母（比率指标），计数指标为 null")
    value = serializers.FloatField(allow_null=True, help_text="比率（%）或数量；无样本为 null")


class HoursSerializer(serializers.Serializer):
    avg = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)


class BodyFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField(allow_null=True, help_text="名次；无可计分指标时为 null")
    score = serializers.FloatField(allow_null=True)
    population = serializers.IntegerField(allow_null=True, required=False)
    figures = serializers.DictField(child=CellSerializer(), help_text="指标键 → 数值（见 assessment.figures.METRICS）")
    hours = serializers.DictField(child=HoursSerializer(), help_text="各环节用时（工作小时）")
    sums = serializers.DictField(child=serializers.IntegerField(), help_text="督办次数（部门）")


class CaseLineSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    body = serializers.IntegerField()
    body_name = serializers.CharField()
    code = serializers.CharField()
    reason = serializers.CharField()


class FormulaSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    weights = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    department = serializers.CharField(help_text="部门综合得分公式")
    township = serializers.CharField(help_text="乡镇综合得分公式")


class ReportSerializer(serializers.Serializer):
    county = serializers.IntegerField()
    county_name = serializers.CharField()
    period = serializers.CharField()
    closed = serializers.BooleanField(help_text="已关账：数据来自冻结的快照")
    close = serializers.IntegerField(allow_null=True)
    formula = FormulaSerializer()
    department = BodyFiguresSerializer(many=True)
    township = BodyFiguresSerializer(many=True)
    exemptions = CaseLineSerializer(many=True)
    missed = CaseLineSerializer(many=True, help_text="失职：超时且未免责")


class RankRowSerializer(serializers.Serializer):
    position = serializers.IntegerField(allow_null=True)
    id = serializers.IntegerField()
    name = serializers.CharField()
    score = serializers.FloatField(allow_null=True)


class RankingSerializer(serializers.Serializer):
    county = serializers.IntegerField()
    period = serializers.CharField()
    closed = serializers.BooleanField()
    formula = FormulaSerializer()
    department = RankRowSerializer(many=True)
    township = RankRowSerializer(many=True)


def _report(request):
    viewer, period = _viewer(request), _period(request)
    data, close = selectors.report(viewer, period)
    return viewer, data, close


def _body_filter(request, data):
    raw = request.query_params.get("body")
    if raw is None:
        return data
    body_id = parse_id(raw)
    if body_id is None:
        raise ValidationError({"body": [_("单位 id 应为正整数。")]})
    rows = {scope: [r for r in data[scope] if r["id"] == body_id] for scope in ("department", "township")}
    if not rows["department"] and not rows["township"]:
        raise Http404  # not a body of this county, or not one the viewer may see
    return {**data, **rows, "exemptions": [r for r in data["exemptions"] if r["body"] == body_id],
            "missed": [r for r in data["missed"] if r["body"] == body_id]}


class FiguresView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="考核指标：各部门、乡镇（街道）在某期间的数值、名次、免责与失职事项", tags=TAGS,
                   parameters=[*PERIOD_PARAMETERS, OpenApiParameter("body", ID_SCHEMA,
                                                                    description="只看一个单位")],
                   responses={200: ReportSerializer, **error_responses(400, 401, 403, 404)})
    def get(self, request):
        _viewer_, data, close = _report(request)
        data = _body_filter(request, data)
        return Response({**{k: data[k] for k in ("county", "county_name", "period", "formula", "department",
                                                  "township", "exemptions", "missed")},
                         "closed": close is not None, "close": close.pk if close else None})


class RankingView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="考核排名（综合得分、公式与权重版本）", tags=TAGS, parameters=PERIOD_PARAMETERS,
                   responses={200: RankingSerializer, **error_responses(400, 401, 403, 404)})
    def get(self, request):
        _viewer_, data, close = _report(request)
        out = {"county": data["county"], "period": data["period"], "closed": close is not None,
               "formula": data["formula"]}
        for scope in ("department", "township"):
            out[scope] = [{"position": r["position"], "id": r["id"], "name": r["name"], "score": r["score"]}
                          for r in data[scope]]
        return Response(out)


# --- 免责申请 ---------------------------------------------------------------------------------------


class ExemptionSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    body_name = serializers.CharField(source="body.display_name", read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ExemptionRequest
        fields = ["id", "case", "case_number", "body", "body_name", "county", "reason", "reason_display", "text",
                  "status", "status_display", "created_at", "due_at", "decided_at", "decision_note", "evidence"]
        read_only_fields = fields

    def get_evidence(self, obj) -> list[str]:
        return [e.original_name for e in obj.evidence.all()]


class ExemptionCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    body = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False,
                                    help_text="申请单位；省略：您所在的（第一个）乡镇或部门")
    reason = serializers.ChoiceField(choices=ExemptionReason.choices)
    text = serializers.CharField(max_length=services.MAX_TEXT)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                  help_text="证明材料（multipart/form-data）")


class ExemptionDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "批准"), ("reject", "驳回")])
    note = serializers.CharField(max_length=services.MAX_TEXT)


def exemptions_visible_to(user):
    """Requests of the user's own bodies, and every request of the counties the user reviews."""
    bodies = [b.pk for b in permissions.bodies_for_request(user)]
    reviewed = [pk for pk, v in permissions.counties_for(user).items() if v.reviewer]
    if not bodies and not reviewed:
        return ExemptionRequest.objects.none()
    return ExemptionRequest.objects.filter(Q(body_id__in=bodies) | Q(county_id__in=reviewed))


@extend_schema_view(
    list=extend_schema(summary="我可以查看的免责申请（本单位的申请、我审核的县的申请）", tags=TAGS,
                       parameters=[OpenApiParameter("status", OpenApiTypes.STR,
                                                    enum=ExemptionRequest.Status.values)],
                       responses={200: ExemptionSerializer(many=True), **error_responses(400, 401)}),
    retrieve=extend_schema(summary="免责申请详情", tags=TAGS,
                           responses={200: ExemptionSerializer, **error_responses(401, 404)}),
)
class ExemptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = ExemptionSerializer

    def get_queryset(self):
        qs = exemptions_visible_to(self.request.user).select_related("case", "body").prefetch_related("evidence")
        status_ = self.request.query_params.get("status")
        if status_:  # empty (an HTML form's "any") is no filter, as for the django-filter lists
            if status_ not in ExemptionRequest.Status.values:
                raise ValidationError({"status": [_("状态应为 pending、approved 或 rejected。")]})
            qs = qs.filter(status=status_)
        return qs.order_by("-created_at", "-id")

    def _get(self, pk):
        pk = parse_id(str(pk))
        if pk is None:
            raise Http404
        request_, _viewer_ = selectors.exemption_for_user(self.request.user, pk)
        return request_

    def retrieve(self, request, pk=None):
        return Response(ExemptionSerializer(self._get(pk)).data)

    @extend_schema(request={"application/json": ExemptionCreateSerializer,
                            "multipart/form-data": ExemptionCreateSerializer},
                   responses={201: ExemptionSerializer, **error_responses(400, 401, 403, 404)},
                   summary="申请免责（乡镇或部门为本单位的一件事项）", tags=TAGS)
    def create(self, request):
        bodies = permissions.bodies_for_request(request.user)
        if not bodies:
            raise PermissionDenied(_("只有乡镇（街道）或部门的人员可以申请免责。"))
        data = ExemptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = get_case_for_user(request.user, data.validated_data["case"])
        body_id = data.validated_data.get("body")
        body = bodies[0] if body_id is None else next((b for b in bodies if b.pk == body_id), None)
        if body is None:
            raise ValidationError({"body": [_("只能为您所在的乡镇（街道）或部门申请免责。")]})
        created = services.exemption_request(actor=request.user, case=case, body=body,
                                             reason=data.validated_data["reason"], text=data.validated_data["text"],
                                             files=data.validated_data["files"])
        return Response(ExemptionSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ExemptionDecisionSerializer,
                   responses={200: ExemptionSerializer, **error_responses(400, 401, 403, 404, 409)},
                   summary="审核免责申请：批准或驳回（考核办、上级督办领导）", tags=TAGS)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        obj = self._get(pk)
        viewer = permissions.viewer_for(request.user, obj.county_id)
        if viewer is None or not viewer.reviewer:  # the role first: a non-reviewer gets 403 whatever they send
            raise PermissionDenied(_("只有考核办或上级督办领导可以审核免责申请。"))
        data = ExemptionDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.exemption_decide(actor=request.user, request=obj,
                                            approve=data.validated_data["decision"] == "approve",
                                            note=data.validated_data["note"])
        return Response(ExemptionSerializer(decided).data)


# --- Closed months (read-only) ------------------------------------------------------------------------


class CloseSerializer(serializers.ModelSerializer):
    month = serializers.DateField(format="%Y-%m")
    formula_version = serializers.IntegerField(source="formula.version", read_only=True)
    in_force = serializers.SerializerMethodField(help_text="false：已重新打开，不再有效")

    class Meta:
        model = MonthClose
        fields = ["id", "county", "month", "formula_version", "closed_at", "in_force"]
        read_only_fields = fields

    def get_in_force(self, obj) -> bool:
        return not hasattr(obj, "reopening")


class CloseDetailSerializer(CloseSerializer):
    snapshot = serializers.SerializerMethodField(help_text="关账时的考核结果（与会议所见一致），按查看者范围过滤")

    class Meta(CloseSerializer.Meta):
        fields = [*CloseSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields

    def get_snapshot(self, obj) -> ReportSerializer:
        data = dict(services.snapshot_of(obj))
        viewer = self.context["viewer"]
        if not viewer.full:
            data = selectors._own_only(data, viewer.own_ids)
        data.pop("items", None)
        return data


@extend_schema_view(
    list=extend_schema(summary="已关账月份（含已重新打开的）", tags=TAGS,
                       parameters=[PERIOD_PARAMETERS[0]],
                       responses={200: CloseSerializer(many=True), **error_responses(400, 401, 403)}),
    retrieve=extend_schema(summary="已关账月份的冻结快照", tags=TAGS, parameters=[PERIOD_PARAMETERS[0]],
                           responses={200: CloseDetailSerializer, **error_responses(400, 401, 403, 404)}),
)
class CloseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = CloseSerializer

    queryset = MonthClose.objects.none()  # for the schema only: get_queryset is the viewer's county

    def get_queryset(self):
        return selectors.closes_of(_viewer(self.request).county)

    def retrieve(self, request, pk=None):
        viewer = _viewer(request)
        pk = parse_id(str(pk))
        close = selectors.closes_of(viewer.county).filter(pk=pk).first() if pk is not None else None
        if close is None:
            raise Http404
        return Response(CloseDetailSerializer(close, context={"viewer": viewer}).data)


def register(router):
    router.register("assessment/exemptions", ExemptionViewSet, basename="assessment-exemption")
    router.register("assessment/closes", CloseViewSet, basename="assessment-close")
