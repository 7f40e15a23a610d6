"""REST endpoints for responsibility lists: read for everyone, write for list editors.

Writes call responsibilities.services (the same functions as the HTML editor), so permissions, locking,
immutability of published versions and the ListEvent audit trail are identical. Drafts are visible
only to editors of the list (responsibilities.permissions), published and superseded versions to all.
"""

import django_filters
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from config.api_common import error_responses, parse_id
from config.api_filters import ID_SCHEMA, IdFilter
from governance.models import Level, Unit, UnitKind
from responsibilities import services
from responsibilities.models import Category, DutyList, ItemKind, ListItem, ListVersion, VersionStatus
from responsibilities.permissions import editor_scope_q

PUBLIC_STATUSES = [VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED]


def visible_versions(user):
    q = Q(status__in=PUBLIC_STATUSES)
    if getattr(user, "is_authenticated", False):
        q |= Q(status=VersionStatus.DRAFT) & editor_scope_q(user, "duty_list__jurisdiction__path")
    return ListVersion.objects.filter(q)


def _require_signed_in(request):
    if not request.user.is_authenticated:
        raise NotAuthenticated()


# --- Serializers --------------------------------------------------------------------------------

class DutyListSerializer(serializers.ModelSerializer):
    jurisdiction_name = serializers.CharField(source="jurisdiction.display_name", read_only=True)
    published_version = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("现行有效版本号"))

    class Meta:
        model = DutyList
        fields = ["id", "code", "name", "level", "jurisdiction", "jurisdiction_name", "unit", "description",
                  "published_version", "created_at"]
        read_only_fields = ["id", "created_at"]


class DutyListCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=64)
    name = serializers.CharField(max_length=200)
    level = serializers.ChoiceField(choices=Level.choices)
    jurisdiction = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(kind=UnitKind.GOVERNMENT))
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class VersionSerializer(serializers.ModelSerializer):
    list_code = serializers.CharField(source="duty_list.code", read_only=True)
    list_name = serializers.CharField(source="duty_list.name", read_only=True)
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ListVersion
        fields = ["id", "list_code", "list_name", "number", "status", "based_on", "change_note", "effective_date",
                  "created_at", "published_at", "superseded_at", "item_count"]
        read_only_fields = fields


class ItemSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.display_name", read_only=True, allow_null=True, default=None)
    list_code = serializers.CharField(source="version.duty_list.code", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = ListItem
        fields = ["id", "list_code", "version", "version_number", "code", "title", "description", "legal_basis",
                  "kind", "category", "department", "department_name", "response_hours", "resolution_days",
                  "keywords", "position"]
        read_only_fields = fields


class ItemWriteSerializer(serializers.Serializer):
    """The fields an editor sets (services.ITEM_FIELDS); model rules are checked by the service."""

    code = serializers.CharField(max_length=32)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(kind=UnitKind.DEPARTMENT), required=False, allow_null=True, default=None
    )
    response_hours = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=720)
    resolution_days = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=365)
    keywords = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class DraftStartSerializer(serializers.Serializer):
    change_note = serializers.CharField(required=False, allow_blank=True, default="")


class PublishSerializer(serializers.Serializer):
    effective_date = serializers.DateField()
    change_note = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)


class DiffItemSerializer(serializers.ModelSerializer):
    """An item inside a diff (the selector loads items with their department only)."""

    department_name = serializers.CharField(source="department.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ListItem
        fields = ["id", "code", "title", "kind", "category", "department", "department_name", "response_hours",
                  "resolution_days"]
        read_only_fields = fields


class FieldChangeSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class ItemChangeSerializer(serializers.Serializer):
    code = serializers.CharField(source="new.code")
    title = serializers.CharField(source="new.title")
    fields = FieldChangeSerializer(many=True)


DIFF_SCHEMA = inline_serializer(
    name="VersionDiff",
    fields={
        "from_version": serializers.IntegerField(),
        "to_version": serializers.IntegerField(),
        "added": DiffItemSerializer(many=True),
        "removed": DiffItemSerializer(many=True),
        "changed": ItemChangeSerializer(many=True),
    },
)


# --- Views --------------------------------------------------------------------------------------

class DutyListFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    jurisdiction = IdFilter(field_name="jurisdiction_id")

    class Meta:
        model = DutyList
        fields = ["level", "jurisdiction"]


@extend_schema_view(
    list=extend_schema(summary="责任清单列表", tags=["lists"]),
    retrieve=extend_schema(summary="责任清单详情", tags=["lists"], responses={200: DutyListSerializer, **error_responses(404)}),
)
class DutyListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [AllowAny]  # writes check the editor role in the service
    serializer_class = DutyListSerializer
    filterset_class = DutyListFilter
    lookup_field = "code"

    def get_queryset(self):
        published = ListVersion.objects.filter(duty_list=OuterRef("pk"), status=VersionStatus.PUBLISHED)
        return (
            DutyList.objects.select_related("jurisdiction")
            .annotate(published_version=Subquery(published.values("number")[:1]))
            .order_by("jurisdiction__path", "level", "code")
        )

    @extend_schema(request=DutyListCreateSerializer, responses={201: DutyListSerializer, **error_responses(400, 401, 403)},
                   summary="新建清单（含空白草稿第 1 版）", tags=["lists"])
    def create(self, request):
        _require_signed_in(request)
        data = DutyListCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        duty_list = services.list_create(actor=request.user, **data.validated_data)
        return Response(DutyListSerializer(self.get_queryset().get(pk=duty_list.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: VersionSerializer(many=True), **error_responses(404)}, summary="清单的版本",
                   tags=["lists"])
    @action(detail=True, methods=["get"])
    def versions(self, request, code=None):
        duty_list = self.get_object()
        versions = (
            visible_versions(request.user).filter(duty_list=duty_list).select_related("duty_list")
            .annotate(item_count=Count("items")).order_by("-number")
        )
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(VersionSerializer(page, many=True).data)

    @extend_schema(request=DraftStartSerializer, responses={201: VersionSerializer, **error_responses(400, 401, 403, 404, 409)},
                   summary="新建草稿（复制现行版本）", tags=["lists"])
    @action(detail=True, methods=["post"])
    def drafts(self, request, code=None):
        _require_signed_in(request)
        duty_list = self.get_object()
        data = DraftStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        draft = services.list_draft_start(duty_list=duty_list, actor=request.user, **data.validated_data)
        return Response(_version_payload(draft), status=status.HTTP_201_CREATED)


def _version_payload(version):
    version = ListVersion.objects.select_related("duty_list").annotate(item_count=Count("items")).get(pk=version.pk)
    return VersionSerializer(version).data


class VersionFilter(django_filters.FilterSet):
    list = django_filters.CharFilter(field_name="duty_list__code")
    status = django_filters.ChoiceFilter(choices=VersionStatus.choices)

    class Meta:
        model = ListVersion
        fields = ["list", "status"]


@extend_schema_view(
    list=extend_schema(summary="清单版本列表（草稿仅对清单编辑可见）", tags=["lists"]),
    retrieve=extend_schema(summary="版本详情", tags=["lists"], responses={200: VersionSerializer, **error_responses(404)}),
)
class VersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [AllowAny]
    serializer_class = VersionSerializer
    filterset_class = VersionFilter

    def get_queryset(self):
        return (
            visible_versions(self.request.user).select_related("duty_list")
            .annotate(item_count=Count("items")).order_by("duty_list__code", "-number")
        )

    @extend_schema(responses={204: None, **error_responses(401, 403, 404, 409)}, summary="删除草稿", tags=["lists"])
    def destroy(self, request, pk=None):
        _require_signed_in(request)
        services.list_draft_discard(version=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["get"], responses={200: ItemSerializer(many=True), **error_responses(404)},
                   parameters=[OpenApiParameter("kind", str, enum=ItemKind.values),
                               OpenApiParameter("category", str, enum=Category.values)],
                   summary="版本中的事项", tags=["lists"])
    @extend_schema(methods=["post"], request=ItemWriteSerializer,
                   responses={201: ItemSerializer, **error_responses(400, 401, 403, 404, 409)},
                   summary="向草稿添加事项", tags=["lists"])
    @action(detail=True, methods=["get", "post"])
    def items(self, request, pk=None):
        version = self.get_object()
        if request.method == "POST":
            _require_signed_in(request)
            data = ItemWriteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            item = services.list_item_add(version=version, actor=request.user, **data.validated_data)
            return Response(ItemSerializer(_item_queryset().get(pk=item.pk)).data, status=status.HTTP_201_CREATED)
        items = _item_queryset().filter(version=version).order_by("position", "code")
        kind, category = request.query_params.get("kind"), request.query_params.get("category")
        errors = {}
        if kind and kind not in ItemKind.values:
            errors["kind"] = [_("事项类别无效。")]
        if category and category not in Category.values:
            errors["category"] = [_("事项分类无效。")]
        if errors:  # an unknown value is a mistake to report, not a filter that quietly matches nothing
            raise serializers.ValidationError(errors)
        if kind:
            items = items.filter(kind=kind)
        if category:
            items = items.filter(category=category)
        page = self.paginate_queryset(items)
        return self.get_paginated_response(ItemSerializer(page, many=True).data)

    @extend_schema(request=PublishSerializer, responses={200: VersionSerializer, **error_responses(400, 401, 403, 404, 409)},
                   summary="发布草稿", tags=["lists"])
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        _require_signed_in(request)
        version = self.get_object()
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.list_publish(version=version, actor=request.user, **data.validated_data)
        return Response(_version_payload(version))

    @extend_schema(parameters=[OpenApiParameter("against", ID_SCHEMA, required=False,
                                                description="对比的旧版本 ID（默认为本版本所基于的版本）")],
                   responses={200: DIFF_SCHEMA, **error_responses(400, 404)}, summary="两个版本之间的差异", tags=["lists"])
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        from responsibilities.selectors import version_diff

        version = self.get_object()
        against = request.query_params.get("against")
        if against:
            against_id = parse_id(against)
            if against_id is None:
                raise serializers.ValidationError({"against": [_("请填写版本 ID（整数）。")]})
            older = get_object_or_404(self.get_queryset(), pk=against_id)
            if older.duty_list_id != version.duty_list_id:
                raise serializers.ValidationError({"against": [_("只能对比同一清单的两个版本。")]})
        else:
            older = version.based_on or (
                visible_versions(request.user).filter(duty_list_id=version.duty_list_id, number__lt=version.number)
                .order_by("-number").first()
            )
            if older is None:
                # Nothing to compare with is a missing resource, not bad input: the request itself was well formed.
                raise NotFound(_("这是该清单的第一个版本，没有可对比的旧版本。"))
        diff = version_diff(older, version)
        return Response({
            "from_version": older.number,
            "to_version": version.number,
            "added": DiffItemSerializer(diff.added, many=True).data,
            "removed": DiffItemSerializer(diff.removed, many=True).data,
            "changed": ItemChangeSerializer(diff.changed, many=True).data,
        })


def _item_queryset():
    return ListItem.objects.select_related("department", "version__duty_list")


class ItemFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ItemKind.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    code = django_filters.CharFilter()
    list = django_filters.CharFilter(field_name="version__duty_list__code")

    class Meta:
        model = ListItem
        fields = ["kind", "category", "code", "list"]


@extend_schema_view(
    list=extend_schema(summary="现行有效的清单事项", tags=["lists"]),
    retrieve=extend_schema(summary="事项详情", tags=["lists"], responses={200: ItemSerializer, **error_responses(404)}),
)
class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Items: the list shows items of published versions (what is in force); an item of any version
    the user may see can be fetched by id; draft items are changed and removed by list editors."""

    permission_classes = [AllowAny]
    serializer_class = ItemSerializer
    filterset_class = ItemFilter

    def get_queryset(self):
        visible = _item_queryset().filter(version__in=visible_versions(self.request.user))
        if self.action == "list":
            visible = visible.filter(version__status=VersionStatus.PUBLISHED)
        return visible.order_by("version__duty_list__code", "position", "code")

    @extend_schema(request=ItemWriteSerializer(partial=True), responses={200: ItemSerializer, **error_responses(400, 401, 403, 404, 409)},
                   summary="修改草稿中的事项", tags=["lists"])
    def partial_update(self, request, pk=None):
        _require_signed_in(request)
        item = self.get_object()
        data = ItemWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k in request.data}
        item = services.list_item_update(item=item, actor=request.user, **fields)
        return Response(ItemSerializer(_item_queryset().get(pk=item.pk)).data)

    @extend_schema(responses={204: None, **error_responses(401, 403, 404, 409)}, summary="从草稿中删除事项", tags=["lists"])
    def destroy(self, request, pk=None):
        _require_signed_in(request)
        services.list_item_remove(item=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[
            OpenApiParameter("q", {"type": "string", "minLength": 1}, required=True, description="关键词（多个词以空格分隔）"),
            OpenApiParameter("unit", ID_SCHEMA, required=False, description="只查适用于该单位的清单"),
            OpenApiParameter("kind", str, required=False, enum=ItemKind.values),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": 50}, required=False, description="最多返回条数（1–50，默认 10）"),
        ],
        responses={200: ItemSerializer(many=True), **error_responses(400)},
        summary="检索现行有效的清单事项（标题命中优先）", tags=["lists"],
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def search(self, request):
        from responsibilities.selectors import item_search

        params = request.query_params
        errors = {}
        query = params.get("q", "").strip()
        if not query:
            errors["q"] = [_("请输入检索关键词。")]
        unit = None
        if params.get("unit"):
            unit_id = parse_id(params["unit"])
            if unit_id is None:
                errors["unit"] = [_("请填写单位 ID（整数）。")]
            else:
                unit = Unit.objects.filter(pk=unit_id).first()
                if unit is None:  # a well-formed id of no unit: a missing resource, as on every other endpoint
                    raise NotFound(_("单位不存在。"))
        kind = params.get("kind")
        if kind and kind not in ItemKind.values:
            errors["kind"] = [_("事项类别无效。")]
        limit = parse_id(params.get("limit", "10"), max_digits=4)
        if limit is None or not 1 <= limit <= 50:
            errors["limit"] = [_("条数应为 1 到 50 之间的整数。")]
        if errors:
            raise serializers.ValidationError(errors)
        items = item_search(query, for_unit=unit, kinds=[kind] if kind else None, limit=limit)
        return Response(ItemSerializer(items, many=True).data)


def register(router):
    router.register("lists", DutyListViewSet, basename="list")
    router.register("versions", VersionViewSet, basename="version")
    router.register("items", ItemViewSet, basename="item")
