"""REST endpoints under /api/v1/admissions/: list, detail, create and change a draft, and one POST per action.

Same two doors as the HTML pages: admission.selectors decides what the user may see (404 otherwise),
admission.services performs each action with its own checks, locks and audit events. Before validating
input an action checks the role (admission.permissions), so a user without it gets 403 whatever they send;
a state that no longer allows the action is a 409 (e.g. a second decision).
"""

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from admission import permissions, selectors, services
from admission.models import (
    AdmissionRequest,
    AdmissionState,
    ArrivalStatus,
    CheckOutcome,
    CheckStep,
    CommentPosition,
    DutyKind,
    ResourceKind,
    VolumeUnit,
)
from config.api_common import error_responses
from governance.models import Unit, UnitKind
from responsibilities.models import Category, DutyList


# The bounds admission.services checks (its one home), documented for API clients.
@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 120, "nullable": True})
class DurationField(serializers.IntegerField):
    pass


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 1_000_000, "nullable": True})
class VolumeField(serializers.IntegerField):
    pass


class AdmissionResourceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ResourceKind.choices)
    description = serializers.CharField(max_length=300)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    unit = serializers.CharField(max_length=16, required=False, allow_blank=True, default="",
                                 help_text="人员：人/名编制；经费：万元/年、元/年；下放权限：留空；装备：套/台/个/账号")
    budget_line = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    instrument = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AdmissionResourceOutSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    unit = serializers.CharField()
    budget_line = serializers.CharField()
    instrument = serializers.CharField()


class AdmissionListSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    department_name = serializers.CharField(source="department.display_name", read_only=True)

    class Meta:
        model = AdmissionRequest
        fields = ["id", "number", "title", "state", "state_display", "department", "department_name", "due_at",
                  "escalation_level", "submitted_at", "decided_at", "expires_on", "created_at", "updated_at"]
        read_only_fields = fields


class AdmissionDetailSerializer(AdmissionListSerializer):
    resources = AdmissionResourceOutSerializer(many=True, read_only=True)
    townships = serializers.SerializerMethodField()
    legal_basis = serializers.CharField(read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta(AdmissionListSerializer.Meta):
        fields = AdmissionListSerializer.Meta.fields + [
            "description", "all_townships", "townships", "duty_kind", "category", "start_date", "permanent",
            "duration_months", "legal_basis_statute", "legal_basis_article", "legal_basis", "necessity", "volume",
            "volume_unit", "no_resources_reason", "resources", "consultation_until", "decision_reason",
            "return_reason", "actions",
        ]
        read_only_fields = fields

    def get_townships(self, obj) -> list[int]:
        return [t.pk for t in selectors.affected_townships(obj)]

    def get_actions(self, obj) -> list[str]:
        return sorted(permissions.actions_for(self.context["request"].user, obj))


class AdmissionWriteSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(kind=UnitKind.DEPARTMENT),
                                                    required=False, help_text="省略：您所在的（唯一）部门")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    all_townships = serializers.BooleanField(default=False)
    townships = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(level="township"), many=True,
                                                   required=False, default=list)
    duty_kind = serializers.ChoiceField(choices=DutyKind.choices, default=DutyKind.BASIC)
    category = serializers.ChoiceField(choices=Category.choices)
    start_date = serializers.DateField()
    permanent = serializers.BooleanField(default=False)
    duration_months = DurationField(required=False, allow_null=True, default=None)
    legal_basis_statute = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    legal_basis_article = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    necessity = serializers.CharField(required=False, allow_blank=True, default="")
    volume = VolumeField(required=False, allow_null=True, default=None)
    volume_unit = serializers.ChoiceField(choices=VolumeUnit.choices, default=VolumeUnit.CASES)
    no_resources_reason = serializers.CharField(required=False, allow_blank=True, default="")
    resources = AdmissionResourceSerializer(many=True, required=False, default=list)


class AdmissionEmptySerializer(serializers.Serializer):
    pass


class AdmissionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AdmissionCheckSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=CheckStep.choices)
    outcome = serializers.ChoiceField(choices=CheckOutcome.choices)
    note = serializers.CharField()


class AdmissionConsultSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AdmissionCommentSerializer(serializers.Serializer):
    position = serializers.ChoiceField(choices=CommentPosition.choices)
    text = serializers.CharField()


class AdmissionApproveSerializer(AdmissionReasonSerializer):
    target_list = serializers.PrimaryKeyRelatedField(queryset=DutyList.objects.select_related("jurisdiction"),
                                                     required=False, allow_null=True, default=None)


class AdmissionArrivalItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    status = serializers.ChoiceField(choices=[c for c in ArrivalStatus.choices if c[0] != ArrivalStatus.UNREPORTED])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AdmissionArrivalSerializer(serializers.Serializer):
    items = AdmissionArrivalItemSerializer(many=True)


ACTION_ERRORS = error_responses(400, 401, 403, 404, 409)


def _schema(request_serializer, summary):
    return extend_schema(request=request_serializer, responses={200: AdmissionDetailSerializer, **ACTION_ERRORS},
                         summary=summary, tags=["admissions"])


@extend_schema_view(
    list=extend_schema(summary="我可以查看的职责准入申请", tags=["admissions"],
                       responses={200: AdmissionListSerializer(many=True), **error_responses(401)}),
    retrieve=extend_schema(summary="准入申请详情", tags=["admissions"],
                           responses={200: AdmissionDetailSerializer, **error_responses(401, 404)}),
)
class AdmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = AdmissionListSerializer

    def get_queryset(self):
        qs = selectors.request_list_for_user(self.request.user).select_related(*selectors.LIST_RELATED)
        state = self.request.query_params.get("state")
        if state in AdmissionState.values:
            qs = qs.filter(state=state)
        return qs.order_by("-created_at", "-id")

    def _detail(self, obj):
        obj = selectors.get_request_for_user(self.request.user, obj.pk)
        return Response(AdmissionDetailSerializer(obj, context={"request": self.request}).data)

    def retrieve(self, request, pk=None):
        return self._detail(selectors.get_request_for_user(request.user, pk))

    def _fields(self, data):
        fields = dict(data)
        townships = fields.pop("townships", [])
        resources = [dict(r) for r in fields.pop("resources", [])]
        fields.pop("department", None)
        return fields, townships, resources

    @extend_schema(request=AdmissionWriteSerializer, responses={201: AdmissionDetailSerializer,
                                                                **error_responses(400, 401, 403)},
                   summary="新建准入申请草稿（县级及以上职能部门）", tags=["admissions"])
    def create(self, request):
        departments = permissions.proposer_departments(request.user)
        if not departments:
            raise PermissionDenied("只有县级及以上职能部门的办理人员可以提出职责准入申请。")
        data = AdmissionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        department = data.validated_data.get("department") or departments[0]
        fields, townships, resources = self._fields(data.validated_data)
        obj = services.request_save(actor=request.user, department=department, fields=fields, townships=townships,
                                    resources=resources)
        response = self._detail(obj)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=AdmissionWriteSerializer, responses={200: AdmissionDetailSerializer, **ACTION_ERRORS},
                   summary="修改草稿或退回修改的申请（整体替换）", tags=["admissions"])
    def update(self, request, pk=None):
        obj = selectors.get_request_for_user(request.user, pk)
        if not permissions.proposer_unit(request.user, obj):
            raise PermissionDenied("只有申请部门的人员可以修改该申请。")
        data = AdmissionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields, townships, resources = self._fields(data.validated_data)
        obj = services.request_save(actor=request.user, request=obj, fields=fields, townships=townships,
                                    resources=resources)
        return self._detail(obj)

    def _act(self, request, pk, serializer_class, allowed, perform):
        obj = selectors.get_request_for_user(request.user, pk)
        if not allowed(request.user, obj):
            raise PermissionDenied("您无权对该申请执行此操作。")
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        return self._detail(perform(obj, request.user, dict(data.validated_data)))

    @_schema(AdmissionEmptySerializer, "提交审查（提交后不能修改，除非退回修改）")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(request, pk, AdmissionEmptySerializer, permissions.proposer_unit,
                         lambda o, u, d: services.request_submit(request=o, actor=u))

    @_schema(AdmissionCheckSerializer, "记录审查意见：合法性、冲突、资源匹配")
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        return self._act(request, pk, AdmissionCheckSerializer, permissions.reviewer_unit,
                         lambda o, u, d: services.request_check(request=o, actor=u, **d))

    @_schema(AdmissionConsultSerializer, "征求涉及乡镇（街道）的意见")
    @action(detail=True, methods=["post"])
    def consult(self, request, pk=None):
        return self._act(request, pk, AdmissionConsultSerializer, permissions.reviewer_unit,
                         lambda o, u, d: services.request_open_consultation(request=o, actor=u, **d))

    @_schema(AdmissionCommentSerializer, "乡镇（街道）提出意见")
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        return self._act(request, pk, AdmissionCommentSerializer, permissions.township_unit,
                         lambda o, u, d: services.request_comment(request=o, actor=u, **d))

    @_schema(AdmissionReasonSerializer, "退回修改")
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._act(request, pk, AdmissionReasonSerializer, permissions.reviewer_unit,
                         lambda o, u, d: services.request_return(request=o, actor=u, **d))

    @_schema(AdmissionReasonSerializer, "不予准入")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(request, pk, AdmissionReasonSerializer, permissions.reviewer_unit,
                         lambda o, u, d: services.request_reject(request=o, actor=u, **d))

    @_schema(AdmissionApproveSerializer, "准入：列入清单下一版草稿")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(request, pk, AdmissionApproveSerializer, permissions.reviewer_unit,
                         lambda o, u, d: services.request_approve(request=o, actor=u, **d))

    @_schema(AdmissionArrivalSerializer, "乡镇反馈资源到位情况（已到位/部分到位/未到位）")
    @action(detail=True, methods=["post"])
    def arrival(self, request, pk=None):
        return self._act(request, pk, AdmissionArrivalSerializer, permissions.township_unit,
                         lambda o, u, d: services.arrival_report(
                             request=o, actor=u, updates={i["id"]: (i["status"], i["note"]) for i in d["items"]}))

    @_schema(AdmissionReasonSerializer, "期满复核：续期")
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        return self._act(request, pk, AdmissionReasonSerializer, permissions.reviewer_unit,
                         lambda o, u, d: services.request_renew(request=o, actor=u, **d))

    @_schema(AdmissionReasonSerializer, "期满复核：退出并移出清单")
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        return self._act(request, pk, AdmissionReasonSerializer, permissions.reviewer_unit,
                         lambda o, u, d: services.request_retire(request=o, actor=u, **d))


def register(router):
    router.register("admissions", AdmissionViewSet, basename="admission")
