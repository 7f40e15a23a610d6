"""Forms of the insights pages: a revision proposal, a review decision, and the county's thresholds (the service
validates them)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import Unit, UnitKind
from insights import detectors
from insights.models import Detector, ProposalKind
from insights.services import SHARE_KEYS
from responsibilities.models import Category, ItemKind

# The kind of revision a finding suggests first (the proposer may choose another).
SUGGESTED_KIND = {
    Detector.DISPUTED_ITEM: ProposalKind.CHANGE_KIND,
    Detector.WRONG_OWNER: ProposalKind.CHANGE_DEPARTMENT,
    Detector.IMPOSSIBLE_DEADLINE: ProposalKind.CHANGE_LIMITS,
}
BLANK = [("", "—")]


class ProposalForm(forms.Form):
    duty_list = forms.ModelChoiceField(label=_("要修订的清单"), queryset=None, empty_label=None)
    proposal_kind = forms.ChoiceField(label=_("修订类型"), choices=ProposalKind.choices)
    item_code = forms.CharField(label=_("事项编码"), max_length=32, required=False,
                                help_text=_("修改现有事项时填写；新增事项请在下方填写新编码"))
    kind = forms.ChoiceField(label=_("事项类别（调整为）"), choices=BLANK + list(ItemKind.choices), required=False)
    department = forms.ModelChoiceField(label=_("牵头/责任部门（调整为）"), queryset=None, required=False)
    response_hours = forms.IntegerField(label=_("响应时限（小时）"), min_value=1, max_value=720, required=False)
    resolution_days = forms.IntegerField(label=_("办结时限（工作日）"), min_value=1, max_value=365, required=False)
    code = forms.CharField(label=_("新事项编码"), max_length=32, required=False)
    title = forms.CharField(label=_("新事项名称"), max_length=300, required=False)
    category = forms.ChoiceField(label=_("四平台分类"), choices=BLANK + list(Category.choices), required=False)
    description = forms.CharField(label=_("事项内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    legal_basis = forms.CharField(label=_("法律（政策）依据"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    reason = forms.CharField(label=_("修订理由"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("说明案件证据反映的问题和修订后的效果；堵点所涉案件将作为证据附上"))

    def __init__(self, *args, finding, lists, **kwargs):
        kwargs.setdefault("initial", {"item_code": finding.item_code,
                                      "proposal_kind": SUGGESTED_KIND.get(finding.detector, ProposalKind.ADD_ITEM),
                                      "department": finding.evidence.get("to_department")})
        super().__init__(*args, **kwargs)
        from responsibilities.models import DutyList

        self.fields["duty_list"].queryset = DutyList.objects.filter(pk__in=[dl.pk for dl in lists])
        self.fields["duty_list"].initial = lists[0].pk if lists else None
        self.fields["department"].queryset = Unit.objects.filter(
            kind=UnitKind.DEPARTMENT, is_active=True, path__startswith=finding.county.path).order_by("sort_order", "code")

    def values(self):
        """The proposed item fields that were filled in (the service keeps those of the chosen kind)."""
        data = self.cleaned_data
        names = ("kind", "department", "response_hours", "resolution_days", "code", "title", "category",
                 "description", "legal_basis")
        return {name: data[name] for name in names if data.get(name) not in (None, "")}


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)



LABELS = {
    "min_cases": _("事项至少有多少件案件才参与分析"),
    "disputed_handoffs_per_case": _("职责归属不清：一件案件被退回、拒收、退办或改派的次数"),
    "disputed_share": _("职责归属不清：此类案件占该事项案件的比例"),
    "wrong_owner_cases": _("牵头部门可能有误：转给同一部门的案件数"),
    "wrong_owner_share": _("牵头部门可能有误：转给同一部门的比例"),
    "prompt_claim_hours": _("办理时限难以完成：交办后多少小时内签收算“及时签收”"),
    "deadline_struggle_share": _("办理时限难以完成：及时签收后仍延期或超时的比例"),
    "gap_similarity": _("清单空白：两件案件词语重合度（Jaccard）"),
    "gap_min_cluster": _("清单空白：相近案件至少多少件"),
    "means_min_signals": _("未随附资源下沉：拒收、免责、资源未到位合计至少多少项"),
    "hot_spot_z": _("异常集中：稳健 z 值至少为"),
    "hot_spot_min_ratio": _("异常集中：至少为同类单位中位数的多少倍"),
    "hot_spot_min_cases": _("异常集中：单位至少有多少件（次）才参与比较"),
    "hot_spot_min_peers": _("异常集中：至少有多少个同类单位"),
}


class ThresholdsForm(forms.Form):
    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        for key, default in detectors.thresholds().items():
            attrs = {"inputmode": "decimal"}
            if isinstance(default, int) and key not in SHARE_KEYS:
                field = forms.IntegerField(min_value=1, max_value=10000)
            else:
                field = forms.FloatField(min_value=0, max_value=1 if key in SHARE_KEYS else 100)
                attrs["step"] = "any"
            field.label = LABELS.get(key, key)
            field.required = True
            field.initial = current.get(key, default)
            field.help_text = _("默认值：%(value)s") % {"value": default}
            field.widget.attrs.update(attrs)
            self.fields[key] = field
