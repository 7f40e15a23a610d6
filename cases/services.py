"""Every write on a case: one function per action (STYLE: "State changes: one road only").

Each service, in one transaction:
  1. checks the actor's role on the case as the caller saw it (CasePermissionDenied);
  2. locks the row (SELECT ... FOR UPDATE) and re-checks role and state on the fresh row — someone who
     acted first makes this a CaseConflict with a clear message, never a 500 and never two effects;
  3. calls the django-fsm transition on Case (it only sets fields), saves with update_fields;
  4. writes the CaseEvent (append-only; the database refuses UPDATE/DELETE);
  5. creates in-app notifications for whoever must act next; their emails go out through Celery after
     commit (governance.services.notification_send enqueues on commit).
HTML views, the REST API, admin actions and Celery tasks all call these functions.
"""

import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from cases import deadlines, permissions, workflow
from cases.audit import CaseAction, case_event_write
from cases.exceptions import CaseConflict, CasePermissionDenied
from cases.models import Attachment, Case, CaseNumberCounter, CaseState, Channel, Rating, Urgency
from cases.uploads import validate_photos
from governance.models import Role, Unit, UnitKind
from governance.selectors import dispatch_centres_for, display_name, members_with_role, supervisors_of, unit_ancestors
from governance.services import notification_send, system_user

logger = logging.getLogger(__name__)

# Fields every transition may touch through cases.deadlines (the clock): one list, kept there.
CLOCK_FIELDS = deadlines.DEADLINE_FIELDS
INFO_FIELDS = ["info_requested_at", "info_request_text", "info_requested_by"]


# --- Helpers ---------------------------------------------------------------------------------


def _require(actor_unit, message=None):
    if not actor_unit:
        raise CasePermissionDenied(message)
    return actor_unit


def _lock(case):
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("township", "lead_department", "list_item", "claimed_by", "dispatch_centre")
        .get(pk=case.pk)
    )


def _locked_for(case, actor, step, conflict_message=None):
    """Lock the case and re-check the actor's role for the workflow step on the fresh row. A role that was
    there a moment ago but is gone now (the case was reassigned meanwhile) is a conflict, not a permission
    error."""
    fresh = _lock(case)
    unit = workflow.who(step, actor, fresh)
    if not unit:
        raise CaseConflict(conflict_message or _conflict_message(fresh))
    return fresh, unit


def _conflict_message(case):
    return _("该事项已被他人处理，当前状态为“%(state)s”。请刷新页面查看最新进展。") % {
        "state": case.get_state_display()
    }


def _transition(case, step, conflict_message=None, **kwargs):
    """Take workflow step `step` on the locked row: its states and condition (cases.workflow) first, then
    the django-fsm transition, which sets the fields."""
    row = workflow.STEPS[step]
    if not row.state_allows(case, kwargs.get("now")):
        raise CaseConflict(conflict_message or _conflict_message(case))
    try:
        return getattr(case, row.transition)(**kwargs)
    except TransitionNotAllowed:
        raise CaseConflict(conflict_message or _conflict_message(case))


def _save(case, fields):
    try:
        case.save(update_fields=sorted(set(fields) | {"state", "updated_at"}))
    except ConcurrentTransition:
        raise CaseConflict(_("该事项刚刚被他人处理，您的操作未生效。请刷新页面查看最新进展。"))


def _case_url(case):
    return reverse("cases:detail", args=[case.pk])


def _notify(case, recipients, kind, title, body=""):
    notification_send(
        recipients=list(recipients), kind=kind, title=title, body=body, url=_case_url(case), subject=f"case:{case.pk}"
    )


def _township_staff(case):
    return members_with_role(case.township, Role.REPORTER)


def _dispatchers(case):
    centres = [case.dispatch_centre] if case.dispatch_centre_id else dispatch_centres_for(case.township)
    people = []
    for centre in centres:
        people.extend(members_with_role(centre, Role.DISPATCHER))
    return people


def _department_officers(*departments):
    people = []
    for dept in departments:
        people.extend(members_with_role(dept, Role.OFFICER))
    return people


def _clean_text(value, field, message, errors, *, required=True, max_length=None):
    value = (value or "").strip()
    if required and not value:
        errors[field] = message
    elif max_length and len(value) > max_length:
        errors[field] = _("不能超过 %(n)d 个字。") % {"n": max_length}
    return value


def _store_photos(case, photos, *, purpose, actor, stored):
    """Save validated photos, recording each stored name in `stored` so a failure can remove them."""
    for upload, content_type in photos:
        attachment = Attachment(
            case=case, purpose=purpose, original_name=(upload.name or "photo")[:255], content_type=content_type,
            size=upload.size, uploaded_by=actor,
        )
        attachment.file.save(upload.name or "photo", upload, save=False)
        stored.append(attachment.file.name)
        attachment.save()


class _FileJanitor:
    """Removes files stored during a service call if its transaction does not commit (nothing half-written)."""

    def __init__(self):
        self.names = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.cleanup()
        return False

    def cleanup(self):
        from django.core.files.storage import default_storage

        for name in self.names:
            try:
                default_storage.delete(name)
            except OSError:  # pragma: no cover - best effort
                logger.warning("could not remove orphaned upload %s", name)
        self.names = []


def _photos_or_error(photos, errors, field="photos"):
    try:
        return validate_photos(photos)
    except ValidationError as exc:
        errors[field] = exc.messages
        return []


def _raise_if(errors):
    if errors:
        raise ValidationError(errors)


def _item_applies(case, list_item):
    from responsibilities.selectors import published_versions_for_unit

    return published_versions_for_unit(case.township).filter(pk=list_item.version_id).exists()


def _valid_department(case, department):
    return (
        department is not None
        and department.kind == UnitKind.DEPARTMENT
        and department.is_active
        and department.parent_id in case.township.ancestor_ids()
    )


_NUMBER_SQL_POSTGRESQL = """
WITH n AS (
    INSERT INTO {counter} (county_id, year, code, last)
    SELECT id, %(year)s, code, 1 FROM {unit} WHERE id = %(county)s
    ON CONFLICT (county_id, year) DO UPDATE SET last = {counter}.last + 1
    RETURNING code, last
)
UPDATE {case} SET number = %(prefix)s || n.code || '-' || %(year)s || '-'
    || CASE WHEN n.last < 1000000 THEN lpad(n.last::text, 6, '0') ELSE n.last::text END
FROM n WHERE {case}.id = %(case_id)s
RETURNING {case}.number
"""


def _county_id(township):
    """The county (or district) whose numbering a township's reports follow: its parent unit."""
    return township.parent_id or township.pk


def _assign_number(case, now):
    """SZ-SFX-2026-000123: deployment prefix, county code, year, the county's counter for the year.

    Called as the last write of the report before its notifications: the counter row of the county is
    locked from here to commit, so reports of other counties never wait and those of the same county
    wait only for the rest of this commit. A rolled-back report rolls its number back (no gaps).
    On PostgreSQL one statement bumps the counter and writes the number; elsewhere (SQLite for a
    local `make run`, whose writes are serialised anyway) three ORM statements do the same.
    """
    from django.db import connection
    from django.db.models import F

    year = timezone.localtime(now).year
    prefix = getattr(settings, "CASE_NUMBER_PREFIX", "SZ")
    prefix = f"{prefix}-" if prefix else ""
    county_id = _county_id(case.township)
    if connection.vendor == "postgresql":
        sql = _NUMBER_SQL_POSTGRESQL.format(
            counter=CaseNumberCounter._meta.db_table, unit=Unit._meta.db_table, case=Case._meta.db_table
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, {"year": year, "county": county_id, "prefix": prefix, "case_id": case.pk})
            case.number = cursor.fetchone()[0]
        return case.number
    county = Unit.objects.only("code").get(pk=county_id)
    CaseNumberCounter.objects.get_or_create(county_id=county_id, year=year, defaults={"code": county.code})
    CaseNumberCounter.objects.filter(county_id=county_id, year=year).update(last=F("last") + 1)
    counter = CaseNumberCounter.objects.get(county_id=county_id, year=year)
    case.number = f"{prefix}{counter.code}-{year}-{counter.last:06d}"
    Case.objects.filter(pk=case.pk).update(number=case.number)
    return case.number


# --- Report and triage -----------------------------------------------------------------------


def case_report(
    *, actor, township, title, description, address, urgency="normal", latitude=None, longitude=None,
    channel="staff", resident_name="", resident_phone="", photos=(),
):
    """一键上报: township staff report a matter they cannot solve. Notifies the county's dispatchers."""
    from governance.selectors import has_role

    # Open311 clients report through a per-key service account that holds the township's reporter role.
    if actor is None or not has_role(actor, Role.REPORTER, township):
        raise CasePermissionDenied(_("只有本乡镇（街道）的上报人员可以上报事项。"))
    errors = {}
    title = _clean_text(title, "title", _("请填写标题。"), errors, max_length=200)
    description = _clean_text(description, "description", _("请描述问题。"), errors)
    address = _clean_text(address, "address", _("请填写问题发生的地点。"), errors, max_length=300)
    if urgency not in Urgency.values:
        errors["urgency"] = _("请选择紧急程度。")
    if channel not in Channel.values:
        errors["channel"] = _("来源无效。")
    resident_name = (resident_name or "").strip()
    resident_phone = (resident_phone or "").strip()
    if channel == Channel.RESIDENT and not resident_name:
        errors["resident_name"] = _("群众点单的事项请填写群众姓名。")
    if resident_phone and not all(c in "0123456789-+ " for c in resident_phone):
        errors["resident_phone"] = _("电话号码只能包含数字、空格、“-”和“+”。")
    if (latitude is None) != (longitude is None):
        errors["latitude"] = _("经纬度需要同时填写。")
    checked = _photos_or_error(photos, errors)
    _raise_if(errors)

    now = timezone.now()
    centres = dispatch_centres_for(township)
    with _FileJanitor() as janitor, transaction.atomic():
        case = Case(
            number=f"pending-{uuid.uuid4().hex}", title=title, description=description, address=address, urgency=urgency,
            latitude=latitude, longitude=longitude, channel=channel, township=township, reporter=actor,
            resident_name=resident_name[:50], resident_phone=resident_phone[:32],
            dispatch_centre=centres[0] if centres else None,
        )
        case.open_clock(now)
        case.save()
        _store_photos(case, checked, purpose=Attachment.Purpose.REPORT, actor=actor, stored=janitor.names)
        case_event_write(case, actor=actor, action=CaseAction.REPORTED, from_state="", unit=township, data={"photos": len(checked)})
        dispatchers = _dispatchers(case)
        _assign_number(case, now)  # last: the county's counter stays locked until commit
        _notify(
            case, dispatchers, "case.reported",
            _("新上报事项 %(number)s：%(title)s") % {"number": case.number, "title": case.title},
            _("%(township)s上报，请对照清单研判。") % {"township": township.display_name},
        )
    return case


def case_triage(*, case, actor, note=""):
    """The dispatcher takes a new report up (reported → triaged). The triage clock keeps running."""
    _require(workflow.who("triage", actor, case))
    with transaction.atomic():
        case, unit = _locked_for(case, actor, "triage")
        before = case.state
        _transition(case, "triage", now=timezone.now(), note=(note or "").strip())
        _save(case, ["triaged_at", "triage_note"])
        case_event_write(case, actor=actor, action=CaseAction.TRIAGED, from_state=before, unit=unit, reason=(note or "").strip())
    return case


def case_assign(*, case, actor, list_item, lead_department=None, assisting_departments=(), note=""):
    """交办: the matched list item names the responsible department; the response clock starts."""
    _require(workflow.who("assign", actor, case))
    errors = {}
    lead_department = lead_department or (list_item.department if list_item else None)
    if list_item is None:
        errors["list_item"] = _("请选择匹配的清单事项。")
    elif not _item_applies(case, list_item):
        errors["list_item"] = _("该清单事项不适用于本事项的乡镇（街道）。")
    elif list_item.kind == "basic":
        errors["list_item"] = _("该事项属乡镇（街道）基本履职事项，应退回乡镇办理，而不是交办部门。")
    if not errors and not _valid_department(case, lead_department):
        errors["lead_department"] = _("请选择本县的一个职能部门作为牵头部门。")
    assisting = [d for d in (assisting_departments or ()) if d != lead_department]
    if any(not _valid_department(case, d) for d in assisting):
        errors["assisting_departments"] = _("协同部门必须是本县的职能部门。")
    _raise_if(errors)
    note = (note or "").strip()
    with transaction.atomic():
        case, unit = _locked_for(case, actor, "assign")
        before = case.state
        _transition(
            case, "assign", now=timezone.now(), list_item=list_item, lead_department=lead_department,
            dispatch_centre=unit, note=note,
        )
        _save(case, ["list_item", "item_kind", "lead_department", "dispatch_centre", "triage_note", "triaged_at",
                     "assigned_at", "claimed_by", "claimed_at", *INFO_FIELDS, *CLOCK_FIELDS])
        case.assisting_departments.set(assisting)
        case_event_write(case, actor=actor, action=CaseAction.ASSIGNED, from_state=before, unit=unit, reason=note, data={
            "list_item": list_item.code, "list_item_title": list_item.title, "lead_department": lead_department.pk,
            "lead_department_name": lead_department.display_name, "assisting": [d.pk for d in assisting],
        })
        title = _("交办事项 %(number)s：%(title)s") % {"number": case.number, "title": case.title}
        _notify(case, _department_officers(lead_department), "case.assigned", title,
                _("请在时限内签收（报到）并办理。依据清单事项：%(item)s") % {"item": list_item.title})
        if assisting:
            _notify(case, _department_officers(*assisting), "case.assisting", title,
                    _("贵部门为协同部门，请配合%(lead)s办理。") % {"lead": lead_department.display_name})
    return case


def case_return(*, case, actor, list_item, reason):
    """退回: the matter is on the township's own basic-duty list; the dispatcher cites the item."""
    _require(workflow.who("return", actor, case))
    errors = {}
    reason = _clean_text(reason, "reason", _("请说明退回理由。"), errors)
    if list_item is None:
        errors["list_item"] = _("退回必须引用乡镇（街道）基本履职事项。")
    elif not _item_applies(case, list_item) or list_item.kind != "basic":
        errors["list_item"] = _("只能引用适用于该乡镇（街道）的基本履职事项。")
    _raise_if(errors)
    with transaction.atomic():
        case, unit = _locked_for(case, actor, "return")
        before = case.state
        _transition(case, "return", now=timezone.now(), list_item=list_item, reason=reason)
        _save(case, ["list_item", "item_kind", "return_reason", "triaged_at", "closed_at", *INFO_FIELDS,
                     *CLOCK_FIELDS])
        case_event_write(case, actor=actor, action=CaseAction.RETURNED, from_state=before, unit=unit, reason=reason,
               data={"list_item": list_item.code, "list_item_title": list_item.title})
        _notify(case, _township_staff(case), "case.returned",
                _("事项 %(number)s 已退回：属本级职责") % {"number": case.number},
                _("依据清单事项“%(item)s”，该事项属本乡镇（街道）职责。理由：%(reason)s")
                % {"item": list_item.title, "reason": reason})
    return case


def case_refuse_unadmitted(*, case, actor, reason):
    """未经准入: a township refuses a case returned to it on a duty with no admission record that is not one of
    its legacy (存量) duties (responsibilities.provenance). Back to the dispatch centre for a new triage; the
    event `case.refused_unadmitted` is what the assessment exempts and the policy-jam analysis counts."""
    _require(workflow.who("refuse_unadmitted", actor, case))
    errors = {}
    reason = _clean_text(reason, "reason", _("请说明拒收理由（该职责未经准入）。"), errors, max_length=2000)
    _raise_if(errors)
    with transaction.atomic():
        case, unit = _locked_for(case, actor, "refuse_unadmitted")
        before, item = case.state, case.list_item
        _transition(case, "refuse_unadmitted",
                    conflict_message=None if case.state != CaseState.RETURNED or permissions.duty_is_unadmitted(case)
                    else _("所引用的清单事项已经准入或属于存量事项，不能以“未经准入”为由拒收。"),
                    now=timezone.now())
        _save(case, ["closed_at", *CLOCK_FIELDS])
        case_event_write(case, actor=actor, action=CaseAction.REFUSED_UNADMITTED, from_state=before, unit=unit,
                         reason=reason, data={"list_item": item.code, "list_item_title": item.title,
                                              "duty_list": item.version.duty_list.code})
        _notify(case, _dispatchers(case), "case.refused_unadmitted",
                _("%(township)s以“未经准入”拒收事项 %(number)s，请重新研判") % {
                    "township": case.township.display_name, "number": case.number}, reason)
    return case


def case_withdraw(*, case, actor, reason=""):
    """The township withdraws its own report before the dispatch centre takes it up."""
    _require(workflow.who("withdraw", actor, case))
    reason = (reason or "").strip()
    with transaction.atomic():
        case, unit = _locked_for(case, actor, "withdraw")
        before = case.state
        _transition(case, "withdraw", now=timezone.now(),
                    conflict_message=_("指挥中心已开始研判该事项，不能再撤回。"))
        _save(case, ["closed_at", *CLOCK_FIELDS])
        case_event_write(case, actor=actor, action=CaseAction.WITHDRAWN, from_state=before, unit=unit, reason=reason)
        # The dispatchers were told of the report: they are told it no longer waits for them.
        _notify(case, _dispatchers(case), CaseAction.WITHDRAWN,
                _("事项 %(number)s 已由%(township)s撤回") % {"number": case.number,
                                                             "township": case.township.display_name}, reason)
    return case


# --- The department ----------------------------------------------------------------------------


def case_claim(*, case, actor):
    """签收/报到: an officer of the lead department takes the case; the response clock stops."""
    _require(workflow.who("claim", actor, case), _("只有牵头部门的办理人员可以签收。"))
    with transaction.atomic():
        case, unit = _locked_for(case, actor, "claim")
        if case.claimed_by_id is not None and case.state == CaseState.ASSIGNED:
            raise CaseConflict(_("该事项已由%(name)s于 %(time)s 签收。") % {
                "name": display_name(case.claimed_by),
                "time": timezone.localtime(case.claimed_at).strftime("%Y-%m-%d %H:%M"),
            })
        before = case.state
        _transition(case, "claim", now=timezone.now(), officer=actor)
        _save(case, ["claimed_by", "claimed_at", *CLOCK_FIELDS])
        case_event_write(case, actor=actor, action=CaseAction.CLAIMED, from_state=before, unit=unit)
        # The township that blew the whistle sees that the department reported for duty (报到).
        _notify(case, _township_staff(case), CaseAction.CLAIMED,
                _("%(dept)s已签收（报到）事项 %(number)s") % {"dept": unit.display_name, "number": case.number},
                _("签收人：%(name)s。办结时限：%(due)s。") % {
                    "name": display_name(actor), "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")})
    return case


def case_decline(*, case, actor, reason):
    """Not ours (with a reason citing the list): back to the dispatch centre."""
    _require(workflow.who("decline", actor, case))
    errors = {}
    reason = _clean_text(reason, "reason", _("请说明不属本部门职责的理由，并引用清单依据。"), errors)
    _raise_if(errors)
    with transaction.atomic():
        case, unit = _locked_for(case, actor, "decline")
        before, old_lead = case.state, case.lead_department
        _transition(case, "decline", now=timezone.now())
        _save(case, ["lead_department", "claimed_by", "claimed_at", *INFO_FIELDS, *CLOCK_FIELDS])
        case.assisting_departments.clear()
        case_event_write(case, actor=actor, action=CaseAction.DECLINED, from_state=before, unit=unit, reason=reason,
               data={"department": old_lead.pk, "department_name": old_lead.display_name})
        _notify(case, _dispatchers(case), "case.declined",
                _("%(dept)s退回事项 %(number)s，请重新研判") % {"dept": old_lead.display_name, "number": case.number},
                reason)
    return case


def case_reassign(*, case, actor, lead_department, reason, list_item=None, assisting_departments=None):
    """改派 while assigned (dispatcher or a county-level supervisor): a new lead department, a new response clock."""
    _require(workflow.who("reassign", actor, case))
    errors = {}
    reason = _clean_text(reason, "reason", _("请说明改派理由。"), errors)
    if not _valid_department(case, lead_department):
        errors["lead_department"] = _("请选择本县的一个职能部门作为牵头部门。")
    if list_item is not None and (not _item_applies(case, list_item) or list_item.kind == "basic"):
        errors["list_item"] = _("请选择适用于该乡镇（街道）的配合履职事项或负面清单事项。")
    assisting = None
    if assisting_departments is not None:
        assisting = [d for d in assisting_departments if d != lead_department]
        if any(not _valid_department(case, d) for d in assisting):
            errors["assisting_departments"] = _("协同部门必须是本县的职能部门。")
    _raise_if(errors)
    with transaction.atomic():
        case, unit = _locked_for(case, actor, "reassign")
        before, old_lead = case.state, case.lead_department
        _transition(case, "reassign", now=timezone.now(), lead_department=lead_department, list_item=list_item,
                    conflict_message=_("该事项已不在办理中（当前状态“%(state)s”），不能改派。")
                    % {"state": case.get_state_display()})
        _save(case, ["list_item", "item_kind", "lead_department", "assigned_at", "claimed_by", "claimed_at",
                     *INFO_FIELDS, *CLOCK_FIELDS])
        if assisting is not None:
            case.assisting_departments.set(assisting)
        case_event_write(case, actor=actor, action=CaseAction.REASSIGNED, from_state=before, unit=unit, reason=reason, data={
            "from_department": old_lead.pk if old_lead else None, "to_department": lead_department.pk,
            "to_department_name": lead_department.display_name, "list_item": list_item.code if list_item else None,
        })
        _notify(case, _department_officers(lead_department), CaseAction.ASSIGNED,
                _("改派事项 %(number)s：%(title)s") % {"number": case.number, "title": case.title}, reason)
        if old_lead is not None and old_lead != lead_department:
            # The department that had it (perhaps already working on it) learns it is no longer theirs.
            _notify(case, _department_officers(old_lead), CaseAction.REASSIGNED,
                    _("事项 %(number)s 已改派至%(dept)s，贵部门无需再办理") % {
                        "number": case.number, "dept": lead_department.display_name}, reason)
    return case


def case_resolve(*, case, actor, note, photos=()):
    """办结 (after claiming): what was done, optional photos. The township is asked for feedback."""
    _require(workflow.who("resolve", actor, case))
    errors = {}
    note = _clean_text(note, "note", _("请填写办理结果。"), errors)
    checked = _photos_or_error(photos, errors)
    _raise_if(errors)
    with _FileJanitor() as janitor, transaction.atomic():
        case, unit = _locked_for(case, actor, "resolve",
                                 _("该事项已改派给其他部门，您的办结未生效。"))
        if case.state == CaseState.ASSIGNED and case.claimed_by_id is None:
            raise CaseConflict(_("该事项尚未签收（或刚被改派），请先签收再办结。"))
        before = case.state
        _transition(case, "resolve", now=timezone.now(), officer=actor, note=note)
        _save(case, ["resolved_by", "resolved_at", "resolution_note", *INFO_FIELDS, *CLOCK_FIELDS])
        _store_photos(case, checked, purpose=Attachment.Purpose.RESOLUTION, actor=actor, stored=janitor.names)
        case_event_write(case, actor=actor, action=CaseAction.RESOLVED, from_state=before, unit=unit, reason=note,
               data={"photos": len(checked)})
        _notify(case, _township_staff(case), "case.resolved",
                _("事项 %(number)s 已办结，请评价") % {"number": case.number}, note)
    return case


# --- The township's feedback and information requests ---------------------------------------


def case_feedback(*, case, actor, rating, comment=""):
    """满意/基本满意 close the case; 不满意 reopens it with the same department (重办). The second reopening
    flags the case and alerts the supervisors."""
    _require(workflow.who("feedback", actor, case))
    errors = {}
    comment = (comment or "").strip()
    if rating not in Rating.values:
        errors["rating"] = _("请选择评价：满意、基本满意或不满意。")
    elif rating == Rating.UNSATISFIED and not comment:
        errors["comment"] = _("不满意时请说明原因，部门将据此重办。")
    _raise_if(errors)
    with transaction.atomic():
        case, unit = _locked_for(case, actor, "feedback")
        before, was_flagged = case.state, case.flagged_at is not None
        _transition(case, "feedback", now=timezone.now(), rating=rating, comment=comment,
                    conflict_message=_("该事项当前不在待评价状态。"))
        _save(case, ["rating", "feedback_comment", "feedback_at", "reopen_count", "flagged_at", "resolved_at",
                     "resolved_by", "closed_at", *CLOCK_FIELDS])
        if case.state == CaseState.CLOSED:
            case_event_write(case, actor=actor, action=CaseAction.CLOSED, from_state=before, unit=unit, reason=comment,
                   data={"rating": rating})
            if case.claimed_by_id:
                _notify(case, [case.claimed_by], "case.closed",
                        _("事项 %(number)s 已评价：%(rating)s") % {"number": case.number,
                                                                 "rating": case.get_rating_display()}, comment)
            return case
        case_event_write(case, actor=actor, action=CaseAction.REOPENED, from_state=before, unit=unit, reason=comment,
               data={"rating": rating, "reopen_count": case.reopen_count})
        _notify(case, _department_officers(case.lead_department), "case.reopened",
                _("事项 %(number)s 评价不满意，需重办（第 %(n)d 次）") % {"number": case.number, "n": case.reopen_count},
                comment)
        if case.flagged_at is not None and not was_flagged:
            # An automatic consequence, not the township's act: recorded under the named system actor.
            case_event_write(case, actor=system_user(), action=CaseAction.FLAGGED, from_state=case.state,
                   reason=_("两次评价不满意，转督办。"), data={"reopen_count": case.reopen_count})
            leaders = []
            county = unit_ancestors(case.township)[0] if case.township.parent_id else None
            if county is not None:
                leaders.extend(supervisors_of(county))
            leaders.extend(supervisors_of(case.lead_department))
            _notify(case, leaders, "case.flagged",
                    _("督办：事项 %(number)s 已两次重办") % {"number": case.number},
                    _("%(township)s两次评价不满意，请督促%(dept)s办理。")
                    % {"township": case.township.display_name, "dept": case.lead_department.display_name})
    return case


def case_request_info(*, case, actor, question):
    """补充材料: the dispatcher or the lead department asks the township; the case keeps its place and its
    clock pauses until the answer."""
    _require(workflow.who("request_info", actor, case))
    errors = {}
    question = _clean_text(question, "question", _("请写明需要补充的内容。"), errors)
    _raise_if(errors)
    with transaction.atomic():
        case, unit = _locked_for(case, actor, "request_info")
        if case.info_requested_at is not None and case.state in (CaseState.REPORTED, CaseState.TRIAGED,
                                                                CaseState.ASSIGNED):
            raise CaseConflict(_("已经有一个待答复的补充材料请求，请等待乡镇答复。"))
        _transition(case, "request_info", now=timezone.now(), question=question, requested_by=actor)
        _save(case, [*INFO_FIELDS, *CLOCK_FIELDS])
        case_event_write(case, actor=actor, action=CaseAction.INFO_REQUESTED, from_state=case.state, unit=unit, reason=question)
        _notify(case, _township_staff(case), "case.info_requested",
                _("事项 %(number)s 需要补充材料") % {"number": case.number}, question)
    return case


def case_answer_info(*, case, actor, answer, photos=()):
    """The township answers; the paused clock resumes with the paused time added back."""
    _require(workflow.who("answer_info", actor, case))
    errors = {}
    answer = _clean_text(answer, "answer", _("请填写补充内容。"), errors)
    checked = _photos_or_error(photos, errors)
    _raise_if(errors)
    with _FileJanitor() as janitor, transaction.atomic():
        case, unit = _locked_for(case, actor, "answer_info")
        asker, question = case.info_requested_by, case.info_request_text
        _transition(case, "answer_info", now=timezone.now(),
                    conflict_message=_("该事项没有待答复的补充材料请求。"))
        _save(case, [*INFO_FIELDS, *CLOCK_FIELDS])
        _store_photos(case, checked, purpose=Attachment.Purpose.INFO, actor=actor, stored=janitor.names)
        case_event_write(case, actor=actor, action=CaseAction.INFO_ANSWERED, from_state=case.state, unit=unit, reason=answer,
               data={"question": question, "photos": len(checked)})
        if asker is not None:
            _notify(case, [asker], "case.info_answered",
                    _("事项 %(number)s 已补充材料") % {"number": case.number}, answer)
    return case


def case_comment(*, case, actor, text):
    """A note on the timeline (办理记录) by anyone who may see the case. No state change."""
    if not workflow.who("comment", actor, case):
        raise CasePermissionDenied()
    errors = {}
    text = _clean_text(text, "text", _("请填写内容。"), errors, max_length=2000)
    _raise_if(errors)
    with transaction.atomic():
        case = _lock(case)
        unit = (
            permissions.lead_officer_unit(actor, case) or permissions.assisting_officer_unit(actor, case)
            or permissions.dispatch_unit(actor, case) or permissions.reporter_unit(actor, case)
            or permissions.supervisor_unit(actor, case)
        )
        case_event_write(case, actor=actor, action=CaseAction.COMMENTED, from_state=case.state, unit=unit or None, reason=text)
    return case
