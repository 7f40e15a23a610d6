"""REST endpoints for cases: list with filters, detail with its timeline, report, and one POST endpoint per action.

Every endpoint goes through the same two doors as the HTML views:
- cases.selectors.get_case_for_user / case_list_for_user decide what the user may see (404 otherwise);
- cases.services (and cases.extensions) perform each action, with their own permission checks,
  row locks and audit events. No endpoint writes `state`.
Before validating input, an action checks the same predicate the service will (cases.permissions), so a
user without the role gets 403 whatever they send, as on the HTML pages; bad input from someone who
may act gets 400 with field errors; a state that no longer allows the action gets 409.
"""

import copy

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cases import deadlines, privacy, services, workflow
from cases.filters import CaseFilter
from cases.models import Attachment, Case, CaseEvent, Channel, ExtensionRequest, ResidentDataAccess, Urgency
from cases.selectors import LIST_RELATED, attachment_get_for_user, case_list_for_user, get_case_for_user
from cases.serializers import PhotosField
from cases.uploads import attachment_response
from config.api_common import error_responses
from config.api_parsers import LimitedJSONParser
from governance.models import Role, Unit
from governance.selectors import display_name, memberships_of

# --- Serializers --------------------------------------------------------------------------------


# A decimal string's range is documented as a pattern (a schema's minimum/maximum apply to numbers only).
@extend_schema_field({"type": "string", "format": "decimal", "nullable": True,
                      "pattern": r"^-?(90(\.0{1,6})?|[0-8]?[0-9](\.[0-9]{1,6})?)$"})
class LatitudeField(serializers.DecimalField):
    pass


@extend_schema_field({"type": "string", "format": "decimal", "nullable": True,
                      "pattern": r"^-?(180(\.0{1,6})?|(1[0-7][0-9]|[0-9]{1,2})(\.[0-9]{1,6})?)$"})
class LongitudeField(serializers.DecimalField):
    pass


# cases.services checks a resident's phone (digits, spaces, "-" and "+"); the schema says the same.
@extend_schema_field({"type": "string", "maxLength": 32, "pattern": r"^[0-9+\- ]*$"})
class PhoneField(serializers.CharField):
    pass


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")  # Unit.display_name: the one name people read


class ItemRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()


class _FieldsBuiltOnce:
    """ModelSerializer inspects the model to build its fields on every instance (a third of a report's
    response time); build them once per class and hand each instance fresh copies, as DRF does for
    declared fields."""

    def get_fields(self):
        cls = type(self)
        template = cls.__dict__.get("_fields_template")
        if template is None:
            template = super().get_fields()
            cls._fields_template = template
        return copy.deepcopy(template)


class CaseListSerializer(_FieldsBuiltOnce, serializers.ModelSerializer):
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
        return deadlines.is_overdue(case, timezone.now())


class CaseEventSerializer(serializers.ModelSerializer):
    actor_unit = serializers.CharField(source="actor_unit.display_name", read_only=True, allow_null=True, default=None)

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
    resident_name = serializers.SerializerMethodField(
        help_text="群众姓名：上报乡镇、指挥中心和牵头部门看到原文（每次查看都有记录），其他人看到打码（张*）；无则为空字符串")
    resident_phone = serializers.SerializerMethodField(help_text="群众电话：同上，打码形如 138****1234")
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

    def _resident(self, case):
        """cases.privacy decides clear or masked and records a clear view, once per case serialised."""
        cached = getattr(case, "_resident_view", None)
        if cached is None:
            cached = case._resident_view = privacy.resident_view(self._user(), case, ResidentDataAccess.Channel.API)
        return cached

    def get_resident_name(self, case) -> str:
        return self._resident(case).name

    def get_resident_phone(self, case) -> str:
        return self._resident(case).phone

    def to_representation(self, case):
        data = super().to_representation(case)
        clear = self._resident(case).texts_clear  # the texts as the page shows them
        for name in privacy.CASE_TEXT_FIELDS:
            data[name] = privacy.text_for(clear, data[name])
        for event in data["events"]:
            event["reason"] = privacy.text_for(clear, event["reason"])
        return data

    def get_actions(self, case) -> list[str]:
        """Endpoint names under /api/v1/cases/{id}/ this user may call now (cases.workflow.available)."""
        return sorted(workflow.STEPS[name].api_name for name in workflow.available(self._user(), case))


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
    latitude = LatitudeField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False,
                             allow_null=True, default=None)
    longitude = LongitudeField(max_digits=9, decimal_places=6, min_value=-180, max_value=180,
                               required=False, allow_null=True, default=None)
    channel = serializers.ChoiceField(choices=REPORT_CHANNELS, default=Channel.STAFF)
    resident_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    resident_phone = PhoneField(max_length=32, required=False, allow_blank=True, default="")
    photos = PhotosField()


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


def _action_endpoint(step):
    """POST /api/v1/cases/{id}/<step.api_name>/ for one row of cases.workflow: 404 when the user may not see
    the case, 403 without the step's role (whatever was sent), 400 for bad input, 409 when the state or the
    step's condition does not allow it (the service's CaseConflict)."""
    response_serializer = ExtensionSerializer if step.result == "extension" else CaseListSerializer

    def endpoint(self, request, pk=None):
        case = get_case_for_user(request.user, pk)
        if not workflow.who(step.name, request.user, case):
            raise PermissionDenied(_("您无权对该事项执行此操作。"))
        data = step.serializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = step.service(case, request.user, dict(data.validated_data))
        return Response(response_serializer(result).data)

    endpoint.__name__ = step.name
    endpoint.__doc__ = str(step.label)
    endpoint = action(detail=True, methods=["post"], url_path=step.api_name, url_name=step.api_name)(endpoint)
    return _schema(step.serializer, f"{step.label}（{step.api_name}）", response=response_serializer)(endpoint)


for _step in workflow.STEPS.values():
    setattr(CaseViewSet, _step.name, _action_endpoint(_step))


def register(router):
    router.register("cases", CaseViewSet, basename="case")
