"""The API's input for each case action (the workflow's `serializer`, cases.workflow). They parse; the
services decide and re-check."""

from rest_framework import serializers

from cases.choices import Rating
from governance.models import Unit, UnitKind
from responsibilities.models import ListItem


class PhotosField(serializers.ListField):
    child = serializers.FileField(allow_empty_file=False)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "照片（multipart/form-data，可多张；JPG、PNG、GIF 或 WEBP）")
        super().__init__(**kwargs)


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

