"""The county's thresholds form (/insights/thresholds/): one number per detector threshold; the service validates."""

from django import forms
from django.utils.translation import gettext_lazy as _

from insights import detectors
from insights.services import SHARE_KEYS

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
