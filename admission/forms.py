"""HTML forms of the admission pages. They parse input; admission.services validates and decides."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from admission.models import (
    RESOURCE_UNITS,
    CheckOutcome,
    CheckStep,
    CommentPosition,
    DutyKind,
    ResourceKind,
    VolumeUnit,
)
from cases.forms import MultipleFileInput
from responsibilities.models import Category

RESOURCE_ROWS = 5


class RequestForm(forms.Form):
    title = forms.CharField(label=_("事项名称"), max_length=200, help_text=_("例如：燃气使用安全日常巡查"))
    description = forms.CharField(label=_("事项内容"), widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("乡镇（街道）具体要做什么、做到什么程度。"))
    all_townships = forms.BooleanField(label=_("适用全部乡镇（街道）"), required=False)
    townships = forms.ModelMultipleChoiceField(label=_("适用乡镇（街道）"), queryset=None, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    duty_kind = forms.ChoiceField(label=_("列入清单的类别"), choices=DutyKind.choices)
    category = forms.ChoiceField(label=_("四平台分类"), choices=Category.choices)
    start_date = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}),
                                 error_messages={"invalid": _("开始日期格式不正确（例如 2026-12-01）。")})
    permanent = forms.BooleanField(label=_("长期（不设期限）"), required=False)
    duration_months = forms.IntegerField(label=_("期限（月）"), required=False, min_value=1, max_value=120,
                                         help_text=_("有期限的事项期满前进入复核。"))
    legal_basis_statute = forms.CharField(label=_("法律（政策）依据"), max_length=300, required=False,
                                          help_text=_("法律法规或政策文件的名称，提交时必填。"))
    legal_basis_article = forms.CharField(label=_("条款"), max_length=100, required=False,
                                          help_text=_("例如：第二十三条第二款"))
    necessity = forms.CharField(label=_("部门自身无法承担的理由"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
    volume = forms.IntegerField(label=_("预计工作量"), required=False, min_value=0,
                                error_messages={"min_value": _("预计工作量必须是不小于 0 的整数。")})
    volume_unit = forms.ChoiceField(label=_("工作量单位"), choices=VolumeUnit.choices)
    no_resources_reason = forms.CharField(
        label=_("不随附资源的理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不随附任何人员、经费、权限或装备时必填；该申请将被标注“未随附资源”。"))

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["townships"].queryset = townships
        self.fields["townships"].label_from_instance = lambda unit: unit.display_name


UNIT_CHOICES = [("", _("— 默认 —"))] + sorted({(u, u) for units in RESOURCE_UNITS.values() for u in units if u})


class ResourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("资源类别"), required=False, choices=[("", _("— 请选择 —"))] + ResourceKind.choices)
    description = forms.CharField(label=_("内容"), max_length=300, required=False)
    quantity = forms.DecimalField(label=_("数量/金额"), required=False, max_digits=12, decimal_places=2,
                                  error_messages={"invalid": _("数量/金额必须是数字。")})
    unit = forms.ChoiceField(label=_("单位"), required=False, choices=UNIT_CHOICES)
    budget_line = forms.CharField(label=_("预算科目"), max_length=100, required=False)
    instrument = forms.CharField(label=_("授权文件"), max_length=200, required=False)


ResourceFormSet = forms.formset_factory(ResourceForm, extra=RESOURCE_ROWS, max_num=20)


class AttachmentsField(forms.FileField):
    """Several PDF documents or photos; checked by content in admission.uploads (through the service)."""

    widget = MultipleFileInput(attrs={"multiple": True,
                                      "accept": "application/pdf,image/jpeg,image/png,image/gif,image/webp"})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            raise ValidationError(_("请选择要上传的文件。"))
        return files


class AttachForm(forms.Form):
    files = AttachmentsField(label=_("附件"), help_text=_("PDF 文件或照片，按内容检查；每个不超过 10 MB。"))


class SubmitForm(forms.Form):
    pass


class CheckForm(forms.Form):
    step = forms.ChoiceField(label=_("审查环节"), choices=CheckStep.choices)
    outcome = forms.ChoiceField(label=_("结论"), choices=CheckOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("审查意见"), widget=forms.Textarea(attrs={"rows": 3}))


class ConsultForm(forms.Form):
    note = forms.CharField(label=_("说明（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    position = forms.ChoiceField(label=_("意见"), choices=CommentPosition.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("具体意见"), widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("例如：人员和经费是否够用、与现有职责是否重复。"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))


class ApproveForm(ReasonForm):
    target_list = forms.ModelChoiceField(label=_("列入清单"), queryset=None, required=False,
                                         empty_label=_("按适用范围自动选择"))

    def __init__(self, *args, lists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_list"].queryset = lists


def raise_into_form(form, exc):
    """Put a service's ValidationError on the form's fields (unknown field names go to the whole form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)
