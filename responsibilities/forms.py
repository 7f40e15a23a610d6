from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models import Level, Unit, UnitKind
from responsibilities.models import Category, DutyList, ItemKind, ListItem


class NoSuffixMixin:
    """Bold labels without a trailing colon read better in Chinese."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PublicFilterForm(NoSuffixMixin, forms.Form):
    """Search and filters on a public list page (GET)."""

    q = forms.CharField(label=_("搜索事项"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("事项类别"), required=False, choices=[("", _("全部类别"))] + ItemKind.choices)
    category = forms.ChoiceField(label=_("四平台分类"), required=False, choices=[("", _("全部分类"))] + Category.choices)
    department = forms.TypedChoiceField(label=_("牵头/责任部门"), required=False, coerce=int, empty_value="")

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("全部部门"))] + [(d.pk, d.display_name) for d in departments]
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("例如：占道经营、食品、油烟")})


class LookupForm(NoSuffixMixin, forms.Form):
    q = forms.CharField(label=_("您要办的事或遇到的问题"), max_length=200, required=False)
    township = forms.ModelChoiceField(
        label=_("所在乡镇（街道）"), required=False, queryset=Unit.objects.none(), empty_label=_("不限")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Unit.objects.filter(
            level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT, is_active=True
        ).order_by("path", "sort_order")
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("例如：楼下饭店油烟太大")})


class ListItemForm(NoSuffixMixin, forms.ModelForm):
    """Add or change an item of a draft. Model rules (ListItem.clean) give the Chinese messages."""

    class Meta:
        model = ListItem
        fields = [
            "code", "title", "kind", "category", "department", "description", "legal_basis", "response_hours",
            "resolution_days", "keywords",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "legal_basis": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.version = version
        self.fields["department"].queryset = Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True).order_by(
            "path", "sort_order"
        )
        self.fields["department"].empty_label = _("（基本履职事项可不填）")
        self.fields["code"].help_text = _("跨版本保持不变，例如 JB-001（基本）、PH-001（配合）、FM-001（负面）")

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        clash = ListItem.objects.filter(version=self.instance.version, code=code)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("本版本中已有编码为 %(code)s 的事项。"), params={"code": code})
        return code

    def validate_constraints(self, exclude=None):
        pass  # unique code: clean_code; department rule: ListItem.clean, both with clearer messages


class ImportForm(NoSuffixMixin, forms.Form):
    file = forms.FileField(label=_("清单文件（.xlsx 或 .csv）"))
    mode = forms.ChoiceField(
        label=_("导入方式"),
        choices=[
            ("merge", _("合并：按编码新增或更新事项，草稿中其他事项保留")),
            ("replace", _("替换：草稿内容以文件为准，文件中没有的事项将被删除")),
        ],
        initial="merge",
        widget=forms.RadioSelect,
    )
    valid_only = forms.BooleanField(
        label=_("如有错误行，仍导入其余有效行（错误行将被跳过）"), required=False,
        help_text=_("不勾选时，只要有一行错误，整个文件都不会导入。"),
    )


class PublishForm(NoSuffixMixin, forms.Form):
    effective_date = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    change_note = forms.CharField(label=_("修订说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(
        label=_("我已核对上面的变更，确认发布"), required=True,
        error_messages={"required": _("请先核对变更并勾选确认，再发布。")},
    )


class DutyListForm(NoSuffixMixin, forms.ModelForm):
    class Meta:
        model = DutyList
        fields = ["code", "name", "level", "jurisdiction", "unit", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, jurisdictions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdictions
        self.fields["unit"].queryset = Unit.objects.filter(kind=UnitKind.GOVERNMENT, is_active=True)
        self.fields["level"].initial = Level.TOWNSHIP
