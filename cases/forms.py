"""HTML forms for the case flow. They parse and pre-check input; the services decide and re-check."""

from django import forms
from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.utils.functional import lazy
from django.utils.html import conditional_escape as escape
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.models import Channel, Rating, Urgency
from cases.uploads import validate_photos


def _photos_help_text():
    return gettext("可选。最多 %(n)d 张，每张不超过 %(mb)d MB，只接受 JPG、PNG、GIF、WEBP 图片。") % {
        "n": settings.MAX_ATTACHMENTS_PER_UPLOAD, "mb": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)}


# Fields are built when a form class is defined: the help text must be translated when it is shown.
_photos_help = lazy(_photos_help_text, str)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_ATTACHMENTS_PER_UPLOAD images, each checked by content (cases.uploads)."""

    # image/* lets a phone offer its camera; the server still accepts only JPG/PNG/GIF/WEBP by content, and
    # static/js/field.js re-encodes large or other-format photos (HEIC) to JPEG before upload.
    widget = MultipleFileInput(attrs={"accept": "image/*", "multiple": True, "data-photos": "1"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("照片"))
        kwargs.setdefault(
            "help_text",
            _photos_help(),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [f for f in files if f]
        if not files:
            return []
        validate_photos(files)
        return files


class ReportForm(forms.Form):
    township = forms.ModelChoiceField(label=_("上报乡镇（街道）"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("标题"), max_length=200, error_messages={"required": _("请填写标题。")},
                            help_text=_("一句话说清是什么问题，例如“解放路夜市油烟扰民”。"))
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 5}),
                                  error_messages={"required": _("请描述问题。")},
                                  help_text=_("发生了什么、持续多久、影响多少群众、乡镇已经做了什么。"))
    address = forms.CharField(label=_("地点"), max_length=300,
                              error_messages={"required": _("请填写问题发生的地点。")})
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL,
                                widget=forms.RadioSelect)
    # Filled by "使用当前位置" (browser geolocation) or the map pin (static/js/field.js), or typed.
    latitude = forms.DecimalField(label=_("纬度"), required=False, min_value=-90, max_value=90, decimal_places=6,
                                  max_digits=9, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    longitude = forms.DecimalField(label=_("经度"), required=False, min_value=-180, max_value=180, decimal_places=6,
                                   max_digits=9, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    from_resident = forms.BooleanField(label=_("群众点单（由群众提出的诉求）"), required=False)
    resident_name = forms.CharField(label=_("群众姓名"), max_length=50, required=False)
    resident_phone = forms.CharField(label=_("群众电话"), max_length=32, required=False,
                                     widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
                                     help_text=_("仅指挥中心和承办部门可见，用于回访。"))
    photos = PhotosField()

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        if len(townships) == 1:
            self.fields["township"].initial = townships[0].pk
            self.fields["township"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if data.get("from_resident") and not (data.get("resident_name") or "").strip():
            self.add_error("resident_name", _("群众点单的事项请填写群众姓名。"))
        return data

    def service_kwargs(self):
        d = self.cleaned_data
        return dict(
            township=d["township"], title=d["title"], description=d["description"], address=d["address"],
            urgency=d["urgency"], channel=Channel.RESIDENT if d.get("from_resident") else Channel.STAFF,
            resident_name=d.get("resident_name", "") if d.get("from_resident") else "",
            resident_phone=d.get("resident_phone", "") if d.get("from_resident") else "",
            photos=d.get("photos") or [],
            latitude=d.get("latitude"), longitude=d.get("longitude"),
        )


class _RowsChoiceIterator(ModelChoiceIterator):
    """Choices from rows already loaded (field.rows) when the page has them, else from the queryset.
    The case page loads the county's items and departments once for all its forms (a fixed query count);
    validation still goes through the queryset."""

    def _rows(self):
        return getattr(self.field, "rows", None)

    def _objects(self):
        rows = self._rows()
        if rows is not None:
            return rows
        return self.queryset if self.queryset._prefetch_related_lookups else self.queryset.iterator()

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._objects():
            yield self.choice(obj)

    def __len__(self):
        rows = self._rows()
        if rows is None:
            return super().__len__()
        return len(rows) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        rows = self._rows()
        return super().__bool__() if rows is None else bool(rows) or self.field.empty_label is not None


def _use_rows(field, queryset, keep=None):
    """Give `field` the rows of `queryset` (filtered by `keep`) if it was evaluated already; see _RowsChoiceIterator."""
    cached = getattr(queryset, "_result_cache", None)
    field.rows = None if cached is None else [row for row in cached if keep is None or keep(row)]


class _GroupedItemIterator(_RowsChoiceIterator):
    """List items as <optgroup>s by kind (负面清单 / 配合履职 / 基本履职), in the queryset's order; the
    picker script (static/js/cases.js, data-picker) filters them by typed words."""

    def __iter__(self):
        from itertools import groupby

        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        labels = {}  # one translation per kind, not one per item
        for kind, items in groupby(self._objects(), key=lambda item: item.kind):
            if kind not in labels:
                labels[kind] = str(dict(self.queryset.model._meta.get_field("kind").flatchoices).get(kind, kind))
            yield (labels[kind], [self.choice(item) for item in items])


class _FastSelect(forms.Select):
    """forms.Select writing the same HTML as Django's select templates, in Python: a county's 351 list items
    went through the template engine once per <option> (and a dict per option before that), about 5 ms per
    select, three selects on the dispatcher's case page and one more on the county search. The markup —
    attributes, optgroups, the one selected option, escaping — is held to Django's by
    tests/cases/test_case_forms_select.py."""

    def render(self, name, value, attrs=None, renderer=None):
        wanted = set(self.format_value(value))
        parts = [format_html('<select name="{}"', name), _attrs_html(self.build_attrs(self.attrs, attrs)), ">"]
        has_selected = False
        for option_value, option_label in self.choices:
            grouped = isinstance(option_label, (list, tuple))
            choices = option_label if grouped else [("" if option_value is None else option_value, option_label)]
            if grouped and option_value:
                parts.append(format_html('\n  <optgroup label="{}">', option_value))
            for sub_value, sub_label in choices:
                sub_value = "%s" % (sub_value,)  # as the template's stringformat:"s": a plain str, always escaped
                selected = (not has_selected or self.allow_multiple_selected) and sub_value in wanted
                has_selected |= selected
                parts.append(f'\n  <option value="{escape(sub_value)}"{" selected" if selected else ""}>'
                             f"{escape(sub_label)}</option>\n")
            if grouped and option_value:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")  # the renderer strips the template's final newline
        return mark_safe("".join(parts))  # noqa: S308 - every value and label is escaped above


def _attrs_html(attrs):
    """django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    out = []
    for key, val in attrs.items():
        if val is False:
            continue
        out.append(format_html(" {}", key) if val is True else format_html(' {}="{}"', key, val))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped by format_html


class _ItemChoiceField(forms.ModelChoiceField):
    iterator = _GroupedItemIterator
    widget = _FastSelect

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({
            "data-picker": "items", "data-picker-label": _("筛选清单事项"),
            "data-picker-placeholder": _("输入关键词筛选，如 油烟、占道"), "data-picker-count": _("匹配 %n 项"),
        })

    def label_from_instance(self, item):
        dept = f" → {item.department.display_name}" if item.department_id else ""
        return f"{item.code} {item.title}{dept}"


class _DeptMultipleField(forms.ModelMultipleChoiceField):
    iterator = _RowsChoiceIterator

    def label_from_instance(self, unit):
        return unit.display_name


class _DeptField(forms.ModelChoiceField):
    iterator = _RowsChoiceIterator

    def label_from_instance(self, unit):
        return unit.display_name


class AssignForm(forms.Form):
    list_item = _ItemChoiceField(label=_("匹配的清单事项"), queryset=None, empty_label=_("— 请选择 —"),
                                 help_text=_("负面清单和配合履职事项写明了责任部门。"))
    lead_department = _DeptField(label=_("牵头部门"), queryset=None, required=False, empty_label=_("按清单事项确定"),
                                 help_text=_("留空则由清单事项写明的部门牵头。"))
    assisting_departments = _DeptMultipleField(label=_("协同部门（可多选）"), queryset=None, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("研判意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, items, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list_item"].queryset = items.exclude(kind="basic")
        self.fields["lead_department"].queryset = departments
        self.fields["assisting_departments"].queryset = departments
        _use_rows(self.fields["list_item"], items, lambda item: item.kind != "basic")
        _use_rows(self.fields["lead_department"], departments)
        _use_rows(self.fields["assisting_departments"], departments)


class ReturnForm(forms.Form):
    list_item = _ItemChoiceField(label=_("引用的乡镇基本履职事项"), queryset=None, empty_label=_("— 请选择 —"))
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("乡镇将看到“属本级职责”及此理由。"))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list_item"].queryset = items.filter(kind="basic")
        _use_rows(self.fields["list_item"], items, lambda item: item.kind == "basic")


class ReassignForm(forms.Form):
    lead_department = _DeptField(label=_("改派至牵头部门"), queryset=None, empty_label=_("— 请选择 —"))
    list_item = _ItemChoiceField(label=_("改为清单事项（可选）"), queryset=None, required=False,
                                 empty_label=_("不变"))
    reason = forms.CharField(label=_("改派理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, items, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_department"].queryset = departments
        self.fields["list_item"].queryset = items.exclude(kind="basic")
        _use_rows(self.fields["lead_department"], departments)
        _use_rows(self.fields["list_item"], items, lambda item: item.kind != "basic")


class TriageForm(forms.Form):
    note = forms.CharField(label=_("研判意见（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RefuseUnadmittedForm(forms.Form):
    reason = forms.CharField(label=_("拒收理由"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("该职责没有准入记录，也不是本乡镇的存量事项；事项将回到指挥中心重新研判。"))


class ClaimForm(forms.Form):
    pass


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("不属本部门职责的理由"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("请引用清单依据，指挥中心将重新研判。"))


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("做了什么、结果如何，乡镇将据此评价。"))
    photos = PhotosField(label=_("办结照片"))


class FeedbackForm(forms.Form):
    rating = forms.ChoiceField(label=_("评价"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评价意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("选择“不满意”时必填，事项将退回原部门重办。"))

    def clean(self):
        data = super().clean()
        if data.get("rating") == Rating.UNSATISFIED and not (data.get("comment") or "").strip():
            self.add_error("comment", _("不满意时请说明原因，部门将据此重办。"))
        return data


class RequestInfoForm(forms.Form):
    question = forms.CharField(label=_("需要乡镇补充的内容"), widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("提出后计时暂停，乡镇答复后恢复。"))


class AnswerInfoForm(forms.Form):
    answer = forms.CharField(label=_("补充内容"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("补充照片"))


class CommentForm(forms.Form):
    text = forms.CharField(label=_("办理记录"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


# --- Deadlines: extensions (延期申请) and urging (催办), on pages of their own (cases.views_deadlines) ---


class ExtensionRequestForm(forms.Form):
    requested_due_at = forms.DateTimeField(
        label=_("申请延至"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("须晚于当前时限，并在当前时限到期前提出。"),
        error_messages={"required": _("请填写申请延至的时间。"),
                        "invalid": _("请输入有效的日期和时间，例如 2026-12-01 17:00。")},
    )
    reason = forms.CharField(
        label=_("申请理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
        error_messages={"required": _("请填写申请延期的理由。")},
    )


class ExtensionDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批结果"), widget=forms.RadioSelect,
        choices=[("approve", _("批准")), ("reject", _("驳回"))],
        error_messages={"required": _("请选择批准或驳回。")},
    )
    note = forms.CharField(
        label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text=_("驳回时必填。"),
    )


class UrgeForm(forms.Form):
    message = forms.CharField(
        label=_("催办意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        error_messages={"required": _("请填写催办意见。")},
    )


# --- Desk work across cases (cases.views_search) ------------------------------------------------


class BulkAssignForm(forms.Form):
    list_item = _ItemChoiceField(label=_("交办到清单事项"), queryset=None, empty_label=_("— 请选择 —"),
                                 help_text=_("由清单事项写明的部门牵头；所选事项逐件交办，各自记入办理记录。"))
    assisting_departments = _DeptMultipleField(label=_("协同部门（可多选）"), queryset=None, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("研判意见"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items, departments, **kwargs):
        kwargs.setdefault("auto_id", "id_bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["list_item"].queryset = items.exclude(kind="basic")
        self.fields["assisting_departments"].queryset = departments


class BulkUrgeForm(forms.Form):
    message = forms.CharField(label=_("催办意见"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"required": _("请填写催办意见。")})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_urge_%s")
        super().__init__(*args, **kwargs)


class SavedSearchForm(forms.Form):
    name = forms.CharField(label=_("查询名称"), max_length=60, error_messages={"required": _("请为这个查询起个名字。")})
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
