"""The audit trail of a case (办理记录): the one enum of event actions and the one writer.

    CaseAction                  every action a CaseEvent can record, with its label (zh-hans; English
                                in locale/en). The stored values are the dotted codes already in the
                                database and read by reports ("case.claimed", "case.deadline_warning").
    case_event_write(...)       one event, for every service (cases.services, cases.extensions,
                                cases.open311); the deadline sweep (cases.escalation) bulk-inserts the
                                same columns with CaseAction values
    action_label(code)          the label the timeline shows; an unknown code is shown as 其他操作,
                                never as a raw code

CaseEvent is append-only (a database trigger refuses UPDATE and DELETE). Nothing writes it through
signals: each service writes its event in the transaction that changes the case.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

SYSTEM_NAME = "系统"  # the actor name of automatic steps (the sweep, automatic flags)


class CaseAction(models.TextChoices):
    REPORTED = "case.reported", _("上报")
    OPEN311_RECEIVED = "case.open311_received", _("外部系统接入")
    TRIAGED = "case.triaged", _("开始研判")
    ASSIGNED = "case.assigned", _("交办")
    RETURNED = "case.returned", _("退回乡镇")
    REFUSED_UNADMITTED = "case.refused_unadmitted", _("乡镇拒收：未经准入")
    WITHDRAWN = "case.withdrawn", _("撤回")
    CLAIMED = "case.claimed", _("签收（报到）")
    DECLINED = "case.declined", _("部门退回（非本部门职责）")
    REASSIGNED = "case.reassigned", _("改派")
    RESOLVED = "case.resolved", _("办结")
    CLOSED = "case.closed", _("评价结案")
    REOPENED = "case.reopened", _("评价不满意，重办")
    FLAGGED = "case.flagged", _("转督办")
    INFO_REQUESTED = "case.info_requested", _("请求补充材料")
    INFO_ANSWERED = "case.info_answered", _("补充材料")
    COMMENTED = "case.commented", _("办理记录")
    DEADLINE_WARNING = "case.deadline_warning", _("时限预警")
    ESCALATED = "case.escalated", _("超时升级")
    URGED = "case.urged", _("催办")
    EXTENSION_REQUESTED = "case.extension_requested", _("申请延期")
    EXTENSION_APPROVED = "case.extension_approved", _("批准延期")
    EXTENSION_REJECTED = "case.extension_rejected", _("驳回延期")
    RESIDENT_ANONYMISED = "case.resident_anonymised", _("群众个人信息到期匿名化")


_LABELS = dict(CaseAction.choices)


def action_label(code):
    """The timeline's label of a stored action code."""
    return _LABELS.get(code) or _("其他操作")


def _actor_name(actor):
    from governance.selectors import display_name

    return (display_name(actor) if actor is not None else "") or SYSTEM_NAME


def case_event_write(case, *, actor, action, from_state=None, unit=None, reason="", data=None):
    """Append one event for `case` as it is now (to_state = its state). from_state defaults to the same
    state (a step that changes no state: a comment, a warning, an information request)."""
    from cases.models import CaseEvent

    return CaseEvent.objects.create(
        case=case, actor=actor, actor_name=_actor_name(actor), actor_unit=unit, action=CaseAction(action).value,
        from_state=case.state if from_state is None else from_state, to_state=case.state, reason=reason or "",
        data=data or {},
    )
