"""Writes of the insights app: computing a period's findings (堵点), and revision proposals drawn from them
(submit, accept, reject, apply to the list's next draft), each in one transaction with its audit event."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from insights import detectors, permissions
from insights.exceptions import ProposalConflict, ProposalPermissionDenied
from insights.models import (
    CountyThresholds,
    Finding,
    ProposalEvent,
    ProposalKind,
    ProposalNumberCounter,
    ProposalState,
    RevisionProposal,
)

# Keys whose value is a share (0–1); every other key is a positive number (counts, hours, a z-score).
SHARE_KEYS = {"disputed_share", "wrong_owner_share", "deadline_struggle_share", "gap_similarity"}


def thresholds_for(county):
    """The thresholds the detectors use for `county`: defaults, settings, then the county's own changes."""
    own = CountyThresholds.objects.filter(county=county).values_list("values", flat=True).first() or {}
    defaults = detectors.thresholds()
    return {**defaults, **{k: v for k, v in own.items() if k in defaults}}


def thresholds_save(*, county, actor, values):
    """Store the county's thresholds (only those differing from the defaults). Each value must be a number of the
    default's type: shares within (0, 1], counts and hours at least 1, the z-score above 0. Raises
    ValidationError({key: message}) and writes nothing when one is wrong."""
    defaults, errors, own = detectors.thresholds(), {}, {}
    for key, default in defaults.items():
        if key not in values or values[key] in (None, ""):
            continue
        try:
            value = int(values[key]) if isinstance(default, int) else float(values[key])
        except (TypeError, ValueError):
            errors[key] = _("请填写数字。")
            continue
        if isinstance(default, int) and str(values[key]).strip() not in (str(value), f"{value}.0"):
            errors[key] = _("请填写整数。")
        elif key in SHARE_KEYS and not 0 < value <= 1:
            errors[key] = _("比例应大于 0 且不超过 1。")
        elif key not in SHARE_KEYS and isinstance(default, int) and not 1 <= value <= 10000:
            errors[key] = _("应为 1 到 10000 之间的整数。")
        elif key not in SHARE_KEYS and not 0 < value <= 100:
            errors[key] = _("应大于 0 且不超过 100。")
        elif value != default:
            own[key] = value
    if errors:
        raise ValidationError(errors)
    row, _created = CountyThresholds.objects.update_or_create(county=county,
                                                              defaults={"values": own, "updated_by": actor})
    return row


def month_of(day):
    """[first day of the month, first day of the next month) containing `day`."""
    start = day.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def findings_compute(county, start, end, *, limits=None):
    """Rewrite the county's findings for [start, end): one row per (detector, subject) that fires now (updated in
    place if it fired before), and the period's rows that no longer fire removed, except those that revision
    proposals point at: these are kept and marked as no longer holding (lapsed_at). Running it twice has the
    effect of running it once. Returns the findings that hold, heaviest first."""
    limits = {**thresholds_for(county), **(limits or {})}
    now = timezone.now()
    history = detectors.load_history(county, start, end, now=now)
    # The stored sentence is in the site's language (zh-hans), whatever language the caller has active.
    with translation.override(settings.LANGUAGE_CODE):
        drafts = [draft for detect in detectors.DETECTORS.values() for draft in detect(history, limits)]
    with transaction.atomic():
        kept = []
        for draft in drafts:
            finding, _created = Finding.objects.update_or_create(
                county=county, period_start=start, period_end=end, detector=draft.detector,
                subject_key=draft.subject_key,
                defaults=dict(item_code=draft.item_code, item_title=draft.item_title[:300], unit_id=draft.unit_id,
                              weight=draft.weight, summary=draft.summary, evidence=draft.evidence, computed_at=now,
                              lapsed_at=None),
            )
            kept.append(finding.pk)
        gone = Finding.objects.filter(county=county, period_start=start, period_end=end).exclude(pk__in=kept)
        gone.filter(proposals__isnull=True).delete()
        gone.filter(lapsed_at__isnull=True).update(lapsed_at=now)
    return list(Finding.objects.filter(pk__in=kept).order_by("-weight", "pk"))


# --- Revision proposals (修订建议) -------------------------------------------------------------------------

# The item fields each kind of proposal may change (the rest of the item stays as published).
KIND_FIELDS = {
    ProposalKind.CHANGE_KIND: ("kind", "department"),
    ProposalKind.CHANGE_DEPARTMENT: ("department",),
    ProposalKind.CHANGE_LIMITS: ("response_hours", "resolution_days"),
    ProposalKind.ADD_ITEM: ("code", "title", "description", "legal_basis", "kind", "category", "department",
                            "response_hours", "resolution_days"),
}
SNAPSHOT_FIELDS = ("title", "kind", "category", "department", "response_hours", "resolution_days")


def _next_number(now):
    year = timezone.localtime(now).year
    ProposalNumberCounter.objects.bulk_create([ProposalNumberCounter(year=year, last=0)], ignore_conflicts=True)
    counter = ProposalNumberCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"RP-{year}-{counter.last:04d}"


def _event(proposal, *, actor, action, from_state="", reason="", data=None):
    return ProposalEvent.objects.create(proposal=proposal, actor=actor, action=action, from_state=from_state,
                                        to_state=proposal.state, reason=reason, data=data or {})


def _notify(proposal, recipients, title):
    from governance.services import notification_send

    notification_send(recipients=recipients, kind="insights.proposal", title=title,
                      url=reverse("insights:proposal", args=[proposal.pk]), subject=f"proposal:{proposal.pk}")


def _json_value(value):
    return value.pk if hasattr(value, "pk") else value


def _published_item(duty_list, code):
    from responsibilities.models import ListItem, VersionStatus

    return (ListItem.objects.filter(version__duty_list=duty_list, version__status=VersionStatus.PUBLISHED, code=code)
            .select_related("department").first())


@transaction.atomic
def proposal_submit(*, finding, actor, duty_list, kind, item_code, reason, values):
    """Draft and submit a proposal to revise `duty_list` from `finding`, with the finding's evidence attached.

    `values` holds the proposed item fields for the kind (KIND_FIELDS; the department as a Unit or None).
    Every problem is a ValidationError keyed by field; nothing is written then."""
    from insights.selectors import finding_department_ids, lists_for_finding
    from responsibilities.models import ListItem

    if kind not in ProposalKind.values:
        raise ValidationError({"kind": _("请选择修订类型。")})
    if duty_list.pk not in {dl.pk for dl in lists_for_finding(finding)}:
        raise ValidationError({"duty_list": _("该清单与这一堵点无关，请选择堵点所涉案件适用的清单。")})
    departments = finding_department_ids(finding)
    if not permissions.can_propose(actor, duty_list=duty_list, department_ids=departments):
        raise ProposalPermissionDenied(_("只有该清单的编辑或堵点所涉部门可以提出修订建议。"))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("请说明修订理由。")
    fields = {name: values.get(name) for name in KIND_FIELDS[kind] if name in values}
    for name in ("code", "title", "description", "legal_basis"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    item_code = (fields.get("code") if kind == ProposalKind.ADD_ITEM else item_code) or ""
    current = None if kind == ProposalKind.ADD_ITEM else _published_item(duty_list, item_code)
    if kind == ProposalKind.ADD_ITEM:
        for name in ("code", "title", "kind", "category"):
            if not fields.get(name):
                errors[name] = _("新增事项须填写此项。")
        if item_code and _published_item(duty_list, item_code) is not None:
            errors["code"] = _("清单中已有编码为 %(code)s 的事项，请换一个编码或提出修改该事项的建议。") % {"code": item_code}
        candidate = ListItem(**{k: v for k, v in fields.items()})
        before = {}
    else:
        if current is None:
            raise ValidationError({"item_code": _("清单的现行版本中没有编码为 %(code)s 的事项。") % {"code": item_code}})
        before = {name: _json_value(getattr(current, name)) for name in SNAPSHOT_FIELDS}
        candidate = ListItem(**{name: getattr(current, name) for name in SNAPSHOT_FIELDS}, code=current.code)
        for name, value in fields.items():
            setattr(candidate, name, value)
        if all(_json_value(getattr(candidate, n)) == before.get(n) for n in fields):
            errors["__all__"] = _("建议的内容与清单现行规定相同，请填写要修改成的内容。")
        if kind == ProposalKind.CHANGE_LIMITS and not any(fields.get(n) for n in KIND_FIELDS[kind]):
            errors["response_hours"] = _("请至少填写一项新的时限。")
        if kind == ProposalKind.CHANGE_KIND and not fields.get("kind"):
            errors["kind"] = _("请选择新的事项类别。")
        if kind == ProposalKind.CHANGE_DEPARTMENT and not fields.get("department"):
            errors["department"] = _("请选择新的牵头/责任部门。")
    try:
        candidate.clean()  # the list's own rules of an item (department required for assisting/negative ...)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, messages)
    if errors:
        raise ValidationError(errors)
    same = RevisionProposal.objects.filter(
        finding=finding, duty_list=duty_list, kind=kind, item_code=item_code,
        state__in=[ProposalState.SUBMITTED, ProposalState.ACCEPTED]).first()
    if same is not None:
        raise ValidationError(_("已有相同的修订建议 %(number)s 正在处理中。") % {"number": same.number})
    now = timezone.now()
    change = {"op": "add" if kind == ProposalKind.ADD_ITEM else "update",
              "fields": {name: _json_value(value) for name, value in fields.items()}}
    if change["op"] == "update":
        change["code"] = item_code
    proposal = RevisionProposal.objects.create(
        number=_next_number(now), finding=finding, county=finding.county, duty_list=duty_list, kind=kind,
        item_code=item_code, item_department=current.department if current else None, change=change, before=before,
        reason=reason, case_ids=list(finding.case_ids), proposer=actor,
        proposer_unit=permissions.proposer_unit_for(actor, duty_list=duty_list, department_ids=departments),
    )
    from cases.models import Case

    proposal.townships.set(sorted(set(Case.objects.filter(pk__in=proposal.case_ids).values_list(
        "township_id", flat=True))))
    _event(proposal, actor=actor, action="proposal.submitted", reason=reason, data={"change": change})
    from governance.models import Membership, Role

    editors = [m.user for m in Membership.objects.filter(
        is_active=True, role=Role.EDITOR, unit__pk__in=[int(p) for p in duty_list.jurisdiction.path.strip("/").split(
            "/") if p]).select_related("user") if m.user_id != actor.pk]
    _notify(proposal, editors, _("新的清单修订建议 %(number)s 待审核") % {"number": proposal.number})
    return proposal


def _lock(proposal):
    return RevisionProposal.objects.select_for_update().select_related("duty_list__jurisdiction", "proposer").get(
        pk=proposal.pk)


def _decide(proposal, *, actor, reason, accept):
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"reason": _("不予采纳时须说明理由。")})
    proposal = _lock(proposal)
    if not permissions.can_review(actor, proposal):
        if actor.pk == proposal.proposer_id:
            raise ProposalPermissionDenied(_("修订建议须由提出人以外的清单编辑审核。"))
        raise ProposalPermissionDenied(_("只有该清单所属辖区的清单编辑可以审核修订建议。"))
    before = proposal.state
    try:
        (proposal.accept if accept else proposal.reject)(by=actor, at=timezone.now(), reason=reason)
    except TransitionNotAllowed:
        raise ProposalConflict(_("该修订建议已经审核（%(state)s），不能再次审核。") % {
            "state": proposal.get_state_display()})
    proposal.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_reason"])
    _event(proposal, actor=actor, action="proposal.accepted" if accept else "proposal.rejected", from_state=before,
           reason=reason)
    title = _("修订建议 %(number)s 已被采纳") if accept else _("修订建议 %(number)s 未被采纳")
    _notify(proposal, [proposal.proposer], title % {"number": proposal.number})
    return proposal


@transaction.atomic
def proposal_accept(*, proposal, actor, reason=""):
    return _decide(proposal, actor=actor, reason=reason, accept=True)


@transaction.atomic
def proposal_reject(*, proposal, actor, reason):
    return _decide(proposal, actor=actor, reason=reason, accept=False)


@transaction.atomic
def proposal_apply(*, proposal, actor):
    """Place an accepted proposal's change in the next draft of its list (one click), through the lists' own
    service, which cites the proposal's number when that draft is published. Returns (proposal, draft)."""
    from responsibilities.exceptions import ListPermissionDenied
    from responsibilities.permissions import can_edit_list
    from responsibilities.services import list_draft_apply_change

    proposal = _lock(proposal)
    if not can_edit_list(actor, proposal.duty_list):
        raise ProposalPermissionDenied(_("只有该清单所属辖区的清单编辑可以把修订写入清单草稿。"))
    if proposal.state != ProposalState.ACCEPTED:
        raise ProposalConflict(_("只有已采纳的修订建议才能写入清单草稿（当前：%(state)s）。") % {
            "state": proposal.get_state_display()})
    try:
        draft, item = list_draft_apply_change(duty_list=proposal.duty_list, actor=actor, ref=proposal.number,
                                              change=proposal.change)
    except ListPermissionDenied as exc:  # pragma: no cover - checked above with the same rule
        raise ProposalPermissionDenied(str(exc))
    proposal.apply(by=actor, at=timezone.now(), version_number=draft.number)
    proposal.save(update_fields=["state", "applied_by", "applied_at", "applied_version_number"])
    _event(proposal, actor=actor, action="proposal.applied", from_state=ProposalState.ACCEPTED,
           data={"list": proposal.duty_list.code, "version": draft.number, "item_code": item.code})
    _notify(proposal, [proposal.proposer], _("修订建议 %(number)s 已写入%(list)s第 %(n)s 版草稿") % {
        "number": proposal.number, "list": proposal.duty_list.name, "n": draft.number})
    return proposal, draft
