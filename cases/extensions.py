"""Deadline extensions (延期申请) and urging (催办): services, one function per action.

    case_extension_request(*, case, actor, reason, requested_due_at) -> ExtensionRequest
        an officer of the lead department asks, before the running deadline passes, to move it
    case_extension_decide(*, extension, actor, approve, note="") -> ExtensionRequest
        a dispatcher of the case's dispatch centre or a supervisor over the case approves (the
        deadline moves, recorded as a CaseEvent) or rejects
    case_urge(*, case, actor, message) -> Case
        a supervisor over the case presses the people who must act (recorded, notified)

Each locks the case row (and the request) in one transaction, re-checks, writes a CaseEvent and
notifies through governance.services.notification_send (emails go out after commit).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import deadlines, workflow
from cases.audit import CaseAction, case_event_write
from cases.escalation import Directory, _warning_recipients, case_url
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.models import OPEN_STATES, Case, ExtensionRequest
from governance.models import Role
from governance.selectors import display_name, members_with_role, supervisors_of
from governance.services import notification_send

MAX_REASON = 2000


def _lock(case):
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("township", "lead_department", "dispatch_centre", "list_item")
        .get(pk=case.pk)
    )


def _fmt(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def case_extension_request(*, case, actor, reason, requested_due_at):
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("请填写申请延期的理由。")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("理由不能超过 %(n)d 字。") % {"n": MAX_REASON}
    if requested_due_at is None:
        errors["requested_due_at"] = _("请填写申请延至的时间。")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        case = _lock(case)
        unit = workflow.who("extend", actor, case)
        if not unit:
            raise CasePermissionDenied(_("只有牵头部门的办理人员可以申请延期。"))
        if case.state not in OPEN_STATES or case.stage not in workflow.EXTENDABLE_STAGES or case.due_at is None:
            raise CaseConflict(_("该事项当前环节没有可延期的时限。"))
        left = deadlines.time_left(case, now)
        running_due = now + left  # with the clock paused, the deadline still ahead of it
        if left.total_seconds() <= 0:
            raise CaseConflict(_("时限已过，不能再申请延期。请尽快办理，或联系督办领导。"))
        if not workflow.STEPS["extend"].state_allows(case, now):
            raise CaseConflict(_("该事项已有一份待审批的延期申请，请等待审批结果。"))
        if requested_due_at <= running_due:
            raise ValidationError({"requested_due_at": _("申请延至的时间必须晚于当前时限 %(due)s。") % {"due": _fmt(running_due)}})
        try:
            with transaction.atomic():
                extension = ExtensionRequest.objects.create(
                    case=case, stage=case.stage, requested_by=actor, reason=reason, requested_due_at=requested_due_at
                )
        except IntegrityError:
            raise CaseConflict(_("该事项已有一份待审批的延期申请，请等待审批结果。"))
        case_event_write(case, actor=actor, unit=unit, action=CaseAction.EXTENSION_REQUESTED, reason=reason, data={
            "extension": extension.pk, "stage": case.stage, "due_at": case.due_at.isoformat(),
            "requested_due_at": requested_due_at.isoformat(),
        })
        approvers = []
        if case.dispatch_centre_id:
            approvers += members_with_role(case.dispatch_centre, Role.DISPATCHER)
        if case.lead_department_id:
            approvers += supervisors_of(case.lead_department)
        notification_send(
            recipients=approvers, kind="case.extension_requested",
            title=_("延期申请待审批：%(number)s %(title)s") % {"number": case.number, "title": case.title},
            body=_("%(who)s申请将时限延至 %(due)s。理由：%(reason)s") % {
                "who": display_name(actor), "due": _fmt(requested_due_at), "reason": reason},
            url=case_url(case.pk), subject=f"case:{case.pk}", dedupe_key=f"extension:{extension.pk}:requested",
        )
    return extension


def case_extension_decide(*, extension, actor, approve, note=""):
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("驳回延期申请时请填写理由。")})
    now = timezone.now()
    with transaction.atomic():
        case = _lock(extension.case)
        extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
        unit = workflow.who("extension_decision", actor, case)
        if not unit:
            raise CasePermissionDenied(_("只有分拨中心或督办领导可以审批延期申请。"))
        if extension.status != ExtensionRequest.Status.PENDING:
            raise CaseConflict(_("该延期申请已经审批过了。"))
        if approve and (case.state not in OPEN_STATES or case.stage != extension.stage or case.due_at is None):
            raise CaseConflict(_("事项已进入其他环节，该延期申请不再适用，只能驳回。"))
        old_due = case.due_at
        extension.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
        extension.decided_by = actor
        extension.decided_at = now
        extension.decision_note = note
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve:
            deadlines.move_deadline(case, extension.requested_due_at, now)
            case.save(update_fields=[*deadlines.DEADLINE_FIELDS, "updated_at"])
        case_event_write(
            case, actor=actor, unit=unit, reason=note,
            action=CaseAction.EXTENSION_APPROVED if approve else CaseAction.EXTENSION_REJECTED,
            data={"extension": extension.pk, "stage": extension.stage, "old_due_at": old_due.isoformat() if old_due else None,
             "new_due_at": case.due_at.isoformat() if approve else None},
        )
        notification_send(
            recipients=[extension.requested_by],
            kind="case.extension_decided",
            title=(_("延期申请已批准：%(number)s") if approve else _("延期申请被驳回：%(number)s")) % {"number": case.number},
            body=(_("时限已延至 %(due)s。") % {"due": _fmt(case.due_at)} if approve else _("驳回理由：%(note)s") % {"note": note}),
            url=case_url(case.pk), subject=f"case:{case.pk}", dedupe_key=f"extension:{extension.pk}:decided",
        )
    return extension


def case_urge(*, case, actor, message):
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("请填写催办意见。")})
    if len(message) > MAX_REASON:
        raise ValidationError({"message": _("催办意见不能超过 %(n)d 字。") % {"n": MAX_REASON}})
    with transaction.atomic():
        case = _lock(case)
        unit = workflow.who("urge", actor, case)
        if not unit:
            raise CasePermissionDenied(_("只有督办领导可以催办。"))
        if not workflow.STEPS["urge"].state_allows(case):
            raise CaseConflict(_("该事项已经办结或没有计时中的环节，无需催办。"))
        directory = Directory()
        directory.prepare([case])
        recipients = _warning_recipients(directory, case)
        event = case_event_write(case, actor=actor, unit=unit, action=CaseAction.URGED, reason=message,
                                 data={"stage": case.stage, "recipients": recipients})
        from django.contrib.auth import get_user_model

        notification_send(
            recipients=list(get_user_model().objects.filter(pk__in=recipients)), kind="case.urged",
            title=_("催办：%(number)s %(title)s") % {"number": case.number, "title": case.title},
            body=_("%(who)s（%(unit)s）催办：%(message)s") % {
                "who": display_name(actor), "unit": unit.display_name, "message": message},
            url=case_url(case.pk), subject=f"case:{case.pk}", dedupe_key=f"urge:{event.pk}",
        )
    return case
