"""REST endpoints for cases: list with filters, detail with its timeline, report, and one POST endpoint per action.

Every endpoint goes through the same two doors as the HTML views:
- cases.selectors.get_case_for_user / case_list_for_user decide what the user may see (404 otherwise);
- cases.services (and cases.extensions) perform each action, with their own permission checks,
  row locks and audit events. No endpoint writes `state`.
Before validating input, an action checks the same predicate the service will (cases.permissions), so a
user without the role gets 403 whatever they send, as on the HTML pages; bad input from someone who
may act gets 400 with field errors; a state that no longer allows the action gets 409.
"""

import django_filters
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cases import deadlines, extensions, permissions, services
from cases.models import OPEN_STATES, Attachment, Case, CaseEvent, CaseState, Channel, ExtensionRequest, Rating, Urgency
from cases.selectors import LIST_RELATED, attachment_get_for_user, case_list_for_user, get_case_for_user
from cases.uploads import attachment_response
from config.api_common import error_responses
from config.api_parsers import LimitedJSONParser
from governance.models import Role, Unit, UnitKind
from governance.selectors import display_name, memberships_of
from responsibilities.models import ListItem

# --- Serializers --------------------------------------------------------------------------------


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ItemRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()


def _overdue(case, now=None):
    return bool(
        case.state in OPEN_STATES and case.due_at is not None and case.paused_at is None
        and case.due_at < (now or timezone.now())
    )


class CaseListSerializer(serializers.ModelSerializer):
    """One row of a queue: what every list shows, read from the row and its JOINs only."""

    state_display = serializers.CharField(source="get_state_display", read_only=True)
    township = UnitRefSerializer(read_only=True)
    lead_department = UnitRefSerializer(read_only=True, allow_null=True)
    list_item = ItemRefSerializer(read_only=True, allow_null=True)
    claimed_by_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "number", "title", "state", "state_display", "urgency", "channel", "township", "lead_department",
            "list_item", "claimed_by_name", "stage", "due_at", "overdue", "escalation_level", "reopen_count",
            "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_claimed_by_name(self, case) -> str | None:
        return display_name(case.claimed_by) if case.claimed_by_id else None

    def get_overdue(self, case) -> bool:
        return _overdue(case)


class CaseEventSerializer(serializers.ModelSerializer):
    actor_unit = serializers.CharField(source="actor_unit.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = CaseEvent
        fields = ["id", "action", "actor_name", "actor_unit", "from_state", "to_state", "reason", "data", "created_at"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="下载地址（与查看事项相同的权限检查）")

    class Meta:
        model = Attachment
        fields = ["id", "purpose", "original_name", "content_type", "size", "created_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        return f"/api/v1/cases/{attachment.case_id}/attachments/{attachment.pk}/"


class ExtensionSerializer(serializers.ModelSerializer):
    requested_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ExtensionRequest
        fields = ["id", "stage", "requested_by_name", "reason", "requested_due_at", "status", "decided_at",
                  "decision_note", "created_at"]
        read_only_fields = fields

    def get_requested_by_name(self, extension) -> str:
        return display_name(extension.requested_by)


class CaseDetailSerializer(CaseListSerializer):
    assisting_departments = UnitRefSerializer(many=True, read_only=True)
    dispatch_centre = UnitRefSerializer(read_only=True, allow_null=True)
    reporter_name = serializers.SerializerMethodField()
    resident_name = serializers.SerializerMethodField(help_text="群众姓名：仅乡镇、指挥中心和牵头部门可见，其他人为 null")
    resident_phone = serializers.SerializerMethodField(help_text="群众电话：同上")
    actions = serializers.SerializerMethodField(help_text="当前用户现在可以执行的操作")
    events = CaseEventSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)
    rating = serializers.CharField(read_only=True, help_text="satisfied / basic / unsatisfied；未评价时为空字符串")

    class Meta(CaseListSerializer.Meta):
        fields = CaseListSerializer.Meta.fields + [
            "description", "address", "latitude", "longitude", "reporter_name", "resident_name", "resident_phone",
            "item_kind", "triage_note", "assisting_departments", "dispatch_centre", "claimed_at", "resolved_at",
            "resolution_note", "return_reason", "rating", "feedback_comment", "feedback_at", "info_requested_at",
            "info_request_text", "stage_started_at", "paused_at", "triage_due_at", "response_due_at",
            "resolution_due_at", "feedback_due_at", "triaged_at", "assigned_at", "closed_at", "actions", "events",
            "attachments", "extensions",
        ]
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    def get_reporter_name(self, case) -> str | None:
        return display_name(case.reporter) if case.reporter_id else None

    def get_resident_name(self, case) -> str | None:
        return case.resident_name if permissions.can_see_resident(self._user(), case) else None

    def get_resident_phone(self, case) -> str | None:
        return case.resident_phone if permissions.can_see_resident(self._user(), case) else None

    def get_actions(self, case) -> list[str]:
        """Endpoint names under /api/v1/cases/{id}/ this user may call now (the case page's buttons)."""
        user = self._user()
        names = {a.replace("_", "-") for a in permissions.actions_for(user, case)}
        if extensions.can_request_extension(user, case) and not any(
            e.status == ExtensionRequest.Status.PENDING for e in case.extensions.all()
        ):
            names.add("extend")
        if any(e.status == ExtensionRequest.Status.PENDING for e in case.extensions.all()) and (
            extensions.can_decide_extension(user, case)
        ):
            names.add("extension-decision")
        if extensions.can_urge(user, case):
            names.add("urge")
        return sorted(names)


class PhotosField(serializers.ListField):
    child = serializers.FileField(allow_empty_file=False)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "照片（multipart/form-data，可多张；JPG、PNG、GIF 或 WEBP）")
        super().__init__(**kwargs)


# Open311 reports come in through cases.open311 only.
REPORT_CHANNELS = [(c, label) for c, label in Channel.choices if c != Channel.OPEN311]


class ReportSerializer(serializers.Serializer):
    township = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), required=False,
        help_text="上报乡镇（街道）ID；只在一个乡镇任上报人员时可省略",
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    address = serializers.CharField(max_length=300)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False,
                                        allow_null=True, default=None)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180,
                                         required=False, allow_null=True, default=None)
    channel = serializers.ChoiceField(choices=REPORT_CHANNELS, default=Channel.STAFF)
    resident_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    resident_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    photos = PhotosField()


def _dept_field(**kwargs):
    return serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(kind=UnitKind.DEPARTMENT), **kwargs)


def _item_field(**kwargs):
    return serializers.PrimaryKeyRelatedField(queryset=ListItem.objects.select_related("department"), **kwargs)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    list_item = _item_field(help_text="匹配的清单事项 ID（配合履职或负面清单事项）")
    lead_department = _dept_field(required=False, allow_null=True, default=None, help_text="默认为清单事项的责任部门")
    assisting_departments = _dept_field(many=True, required=False, default=list)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnSerializer(serializers.Serializer):
    list_item = _item_field(help_text="乡镇（街道）基本履职事项 ID")
    reason = serializers.CharField()


class EmptySerializer(serializers.Serializer):
    pass


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReassignSerializer(serializers.Serializer):
    lead_department = _dept_field()
    reason = serializers.CharField()
    list_item = _item_field(required=False, allow_null=True, default=None)
    assisting_departments = _dept_field(many=True, required=False, allow_null=True, default=None,
                                        help_text="省略则保持原协同部门")


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField()
    photos = PhotosField()


class FeedbackSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class QuestionSerializer(serializers.Serializer):
    question = serializers.CharField()


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField()
    photos = PhotosField()


class ExtendSerializer(serializers.Serializer):
    reason = serializers.CharField()
    requested_due_at = serializers.DateTimeField(help_text="申请延至（带时区的 ISO 8601 时间）")


class ExtensionDecisionSerializer(serializers.Serializer):
    extension = serializers.IntegerField(help_text="延期申请 ID")
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class UrgeSerializer(serializers.Serializer):
    message = serializers.CharField()


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


# --- Filters ------------------------------------------------------------------------------------


class CaseFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices, label=_("状态（可多选）"))
    department = django_filters.NumberFilter(method="filter_department", label=_("牵头或协同部门 ID"))
    township = django_filters.NumberFilter(field_name="township_id", label=_("乡镇（街道）ID"))
    # Strict "true"/"false" (django-filter's BooleanFilter silently ignores anything else).
    overdue = django_filters.ChoiceFilter(choices=[("true", _("是")), ("false", _("否"))], method="filter_overdue",
                                          label=_("是否超时"))
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("上报日期起"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("上报日期止"))
    q = django_filters.CharFilter(method="filter_text", label=_("编号、标题、描述或地点中的文字"))
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    list_item_code = django_filters.CharFilter(field_name="list_item__code", label=_("清单事项编码"))

    class Meta:
        model = Case
        fields = ["state", "township", "urgency", "channel"]

    def filter_department(self, queryset, name, value):
        through = Case.assisting_departments.through.objects.filter(unit_id=value)
        return queryset.filter(Q(lead_department_id=value) | Q(pk__in=through.values("case_id")))

    def filter_overdue(self, queryset, name, value):
        late = deadlines.overdue_q()
        return queryset.filter(late) if value == "true" else queryset.exclude(late)

    def filter_text(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(
                Q(number__icontains=term) | Q(title__icontains=term) | Q(description__icontains=term)
                | Q(address__icontains=term)
            )
        return queryset


# --- Views --------------------------------------------------------------------------------------

def _reporter_townships(user):
    return [m.unit for m in memberships_of(user) if m.role == Role.REPORTER]


ACTION_ERRORS = error_responses(400, 401, 403, 404, 409)


def _schema(request_serializer, summary, response=None):
    return extend_schema(
        request={"application/json": request_serializer, "multipart/form-data": request_serializer,
                 "application/x-www-form-urlencoded": request_serializer},
        responses={200: response or CaseListSerializer, **ACTION_ERRORS},
        summary=summary, tags=["cases"],
    )


@extend_schema_view(
    list=extend_schema(summary="我可以查看的事项（可筛选）", tags=["cases"], responses={200: CaseListSerializer(many=True),
                                                                              **error_responses(400, 401)}),
    retrieve=extend_schema(summary="事项详情（含办理记录）", tags=["cases"],
                           responses={200: CaseDetailSerializer, **error_responses(401, 404)}),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    filterset_class = CaseFilter
    parser_classes = [LimitedJSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseListSerializer

    def get_queryset(self):
        return case_list_for_user(self.request.user).select_related(*LIST_RELATED).order_by("-created_at", "-id")

    def get_object(self):
        return get_case_for_user(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, pk=None):
        case = get_case_for_user(request.user, pk)
        case = (
            Case.objects.select_related(*LIST_RELATED, "reporter", "dispatch_centre")
            .prefetch_related(
                "assisting_departments",
                Prefetch("events", queryset=CaseEvent.objects.select_related("actor_unit").order_by("created_at", "id")),
                "attachments",
                Prefetch("extensions", queryset=ExtensionRequest.objects.select_related("requested_by")),
            )
            .get(pk=case.pk)
        )
        case._assisting_ids = {u.pk for u in case.assisting_departments.all()}
        return Response(CaseDetailSerializer(case, context={"request": request}).data)

    @extend_schema(
        responses={(200, "image/*"): OpenApiTypes.BINARY, **error_responses(401, 404)},
        summary="下载事项的照片", tags=["cases"],
    )
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[0-9]+)")
    def attachment(self, request, pk=None, attachment_id=None):
        """Photos through the same access check as the case (cases.selectors.get_case_for_user)."""
        return attachment_response(attachment_get_for_user(request.user, pk, attachment_id))

    @extend_schema(
        request={"application/json": ReportSerializer, "multipart/form-data": ReportSerializer},
        responses={201: CaseListSerializer, **error_responses(400, 401, 403)},
        summary="一键上报（乡镇上报人员；照片用 multipart/form-data）", tags=["cases"],
    )
    def create(self, request):
        # Someone who may not report anywhere gets 403 whatever they send, as on the report page.
        if not _reporter_townships(request.user):
            raise PermissionDenied(_("只有乡镇（街道）的上报人员可以上报事项。"))
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        township = fields.pop("township", None) or self._default_township(request.user)
        case = services.case_report(actor=request.user, township=township, **fields)
        return Response(CaseListSerializer(case).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _default_township(user):
        townships = _reporter_townships(user)
        if len(townships) == 1:
            return townships[0]
        raise serializers.ValidationError({"township": [_("您在多个乡镇任上报人员，请指定上报乡镇。")]})

    # One endpoint per action. `_act` does the common part.
    def _act(self, request, pk, serializer_class, allowed, perform, response_serializer=CaseListSerializer):
        case = get_case_for_user(request.user, pk)  # 404 when the user may not see it
        if not allowed(request.user, case):
            raise PermissionDenied(_("您无权对该事项执行此操作。"))
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        result = perform(case, request.user, dict(data.validated_data))
        return Response(response_serializer(result).data)

    @_schema(NoteSerializer, "研判：指挥中心接手新上报的事项")
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        return self._act(request, pk, NoteSerializer, permissions.can_triage,
                         lambda c, u, d: services.case_triage(case=c, actor=u, **d))

    @_schema(AssignSerializer, "交办：按清单事项交给牵头部门")
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._act(request, pk, AssignSerializer, permissions.can_assign,
                         lambda c, u, d: services.case_assign(case=c, actor=u, **d))

    @_schema(ReturnSerializer, "退回：属乡镇（街道）基本履职事项")
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._act(request, pk, ReturnSerializer, permissions.can_return,
                         lambda c, u, d: services.case_return(case=c, actor=u, **d))

    @_schema(EmptySerializer, "签收（报到）：牵头部门办理人员")
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        return self._act(request, pk, EmptySerializer, permissions.can_claim,
                         lambda c, u, d: services.case_claim(case=c, actor=u))

    @_schema(ReasonSerializer, "不属本部门职责：退回指挥中心重新研判")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._act(request, pk, ReasonSerializer, permissions.can_decline,
                         lambda c, u, d: services.case_decline(case=c, actor=u, **d))

    @_schema(ReassignSerializer, "改派：换一个牵头部门")
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        return self._act(request, pk, ReassignSerializer, permissions.can_reassign,
                         lambda c, u, d: services.case_reassign(case=c, actor=u, **d))

    @_schema(ResolveSerializer, "办结（可附照片）")
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(request, pk, ResolveSerializer, permissions.can_resolve,
                         lambda c, u, d: services.case_resolve(case=c, actor=u, **d))

    @_schema(FeedbackSerializer, "评价：满意、基本满意结案；不满意重办")
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        return self._act(request, pk, FeedbackSerializer, permissions.can_feedback,
                         lambda c, u, d: services.case_feedback(case=c, actor=u, **d))

    @_schema(OptionalReasonSerializer, "撤回（指挥中心接手前）")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(request, pk, OptionalReasonSerializer, permissions.can_withdraw,
                         lambda c, u, d: services.case_withdraw(case=c, actor=u, **d))

    @_schema(QuestionSerializer, "请乡镇补充材料（计时暂停）")
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, pk=None):
        return self._act(request, pk, QuestionSerializer, permissions.can_request_info,
                         lambda c, u, d: services.case_request_info(case=c, actor=u, **d))

    @_schema(AnswerSerializer, "补充材料（计时恢复）")
    @action(detail=True, methods=["post"], url_path="answer-info")
    def answer_info(self, request, pk=None):
        return self._act(request, pk, AnswerSerializer, permissions.can_answer_info,
                         lambda c, u, d: services.case_answer_info(case=c, actor=u, **d))

    @_schema(ExtendSerializer, "申请延期（牵头部门）", response=ExtensionSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        return self._act(request, pk, ExtendSerializer, permissions.lead_officer_unit,
                         lambda c, u, d: extensions.case_extension_request(case=c, actor=u, **d),
                         response_serializer=ExtensionSerializer)

    @_schema(ExtensionDecisionSerializer, "审批延期申请（指挥中心或督办领导）", response=ExtensionSerializer)
    @action(detail=True, methods=["post"], url_path="extension-decision")
    def extension_decision(self, request, pk=None):
        def perform(case, user, data):
            extension = ExtensionRequest.objects.filter(case=case, pk=data["extension"]).first()
            if extension is None:
                raise serializers.ValidationError({"extension": [_("该事项没有这份延期申请。")]})
            return extensions.case_extension_decide(extension=extension, actor=user, approve=data["approve"],
                                                    note=data["note"])

        return self._act(request, pk, ExtensionDecisionSerializer, extensions.can_decide_extension, perform,
                         response_serializer=ExtensionSerializer)

    @_schema(UrgeSerializer, "催办（督办领导）")
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        return self._act(request, pk, UrgeSerializer, lambda u, c: permissions.supervisor_unit(u, c),
                         lambda c, u, d: extensions.case_urge(case=c, actor=u, **d))

    @_schema(CommentSerializer, "添加办理记录（备注）")
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        return self._act(request, pk, CommentSerializer, lambda u, c: True,
                         lambda c, u, d: services.case_comment(case=c, actor=u, **d))


def register(router):
    router.register("cases", CaseViewSet, basename="case")
