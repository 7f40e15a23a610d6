"""Small display helpers for case pages and queues (owned by the cases work)."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

STATE_TAG = {
    "reported": "tag-warn", "triaged": "tag-warn", "assigned": "tag-basic", "resolved": "tag-ok",
    "closed": "tag-ok", "returned": "tag-assisting", "withdrawn": "",
}

EVENT_LABELS = {
    "case.reported": _("上报"),
    "case.triaged": _("开始研判"),
    "case.assigned": _("交办"),
    "case.returned": _("退回乡镇"),
    "case.refused_unadmitted": _("乡镇拒收：未经准入"),
    "case.withdrawn": _("撤回"),
    "case.claimed": _("签收（报到）"),
    "case.declined": _("部门退回（非本部门职责）"),
    "case.reassigned": _("改派"),
    "case.resolved": _("办结"),
    "case.closed": _("评价结案"),
    "case.reopened": _("评价不满意，重办"),
    "case.flagged": _("转督办"),
    "case.info_requested": _("请求补充材料"),
    "case.info_answered": _("补充材料"),
    "case.commented": _("办理记录"),
    "case.escalated": _("超时升级"),
    "case.warned": _("时限预警"),
    "case.urged": _("催办"),
    "case.extension_requested": _("申请延期"),
    "case.extension_approved": _("批准延期"),
    "case.extension_rejected": _("驳回延期"),
}


@register.filter
def state_tag(case):
    return STATE_TAG.get(getattr(case, "state", case), "")


@register.filter
def event_label(action):
    return EVENT_LABELS.get(action, action)
