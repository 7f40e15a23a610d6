"""Every write on an admission request: one function per action.

Each one checks the actor's role (AdmissionPermissionDenied), validates all input before writing anything
(ValidationError with every field's message), then in one transaction locks the row, re-checks the state
(AdmissionConflict: e.g. a second decision on a decided request), calls the transition, saves, writes the
AdmissionEvent and the notifications (emailed after commit by governance.services.notification_send).
Approval writes the duty into the township lists through responsibilities.services, in the same transaction.
"""

import calendar
import datetime
import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from admission import permissions
from admission.exceptions import AdmissionConflict, AdmissionPermissionDenied
from admission.models import (
    EDITABLE_STATES,
    RESOURCE_UNITS,
    AdmissionAttachment,
    AdmissionCheck,
    AdmissionEvent,
    AdmissionNumberCounter,
    AdmissionPlacement,
    AdmissionRequest,
    AdmissionResource,
    AdmissionState,
    ArrivalStatus,
    CheckOutcome,
    CheckStep,
    CommentPosition,
    DutyKind,
    ResourceArrival,
    ResourceKind,
    TownshipComment,
    VolumeUnit,
)
from admission.uploads import validate_attachments
from governance.calendar import add_working_days, warning_point
from governance.models import Role, UnitKind
from governance.selectors import display_name, members_with_role
from governance.services import notification_send

logger = logging.getLogger(__name__)

REQUEST_FIELDS = [
    "title", "description", "all_townships", "duty_kind", "category", "start_date", "permanent", "duration_months",
    "legal_basis_statute", "legal_basis_article", "necessity", "volume", "volume_unit", "no_resources_reason",
]


# --- Helpers ---------------------------------------------------------------------------------------


def _event(request, *, actor, action, from_state="", unit=None, reason="", data=None):
    return AdmissionEvent.objects.create(
        request=request, actor=actor, actor_name=display_name(actor) or _("系统"), actor_unit=unit, action=action,
        from_state=from_state, to_state=request.state, reason=reason, data=data or {},
    )


def _url(request):
    return reverse("admission:detail", args=[request.pk])


def _notify(request, recipients, kind, title, body="", dedupe=None):
    notification_send(
        recipients=list({u.pk: u for u in recipients}.values()), kind=kind, title=title, body=body, url=_url(request),
        subject=f"admission:{request.pk}", dedupe_key=dedupe,
    )


def _reviewers(request):
    from django.contrib.auth import get_user_model

    from governance.models import Membership, Unit

    county = request.county
    scope = Unit.objects.filter(pk__in=[*county.ancestor_ids(), county.pk]) | Unit.objects.filter(
        parent=county, kind=UnitKind.DEPARTMENT)
    return list(get_user_model().objects.filter(
        is_active=True, memberships__in=Membership.objects.filter(
            is_active=True, role=Role.ADMISSION_REVIEWER, unit__in=scope)).distinct())


def _township_staff(townships):
    people = []
    for township in townships:
        people += members_with_role(township, Role.REPORTER) + members_with_role(township, Role.SUPERVISOR)
    return people


def _department_staff(request):
    return members_with_role(request.department, Role.OFFICER)


def _lock(request):
    return AdmissionRequest.objects.select_for_update(of=("self",)).select_related("department", "county").get(
        pk=request.pk)


def _transition(request, name, message=None, **kwargs):
    try:
        getattr(request, name)(**kwargs)
    except TransitionNotAllowed:
        raise AdmissionConflict(message or _("该申请当前状态为“%(state)s”，不能执行此操作。请刷新页面查看最新进展。")
                                % {"state": request.get_state_display()})


def _save(request, fields):
    request.save(update_fields=sorted(set(fields) | {"state", "updated_at"}))


def _require(unit, message):
    if not unit:
        raise AdmissionPermissionDenied(message)
    return unit


def _text(value, field, message, errors, *, required=True, max_length=None):
    value = (value or "").strip()
    if required and not value:
        errors[field] = [message]
    elif max_length and len(value) > max_length:
        errors[field] = [_("不能超过 %(n)d 个字。") % {"n": max_length}]
    return value


def _raise_if(errors):
    if errors:
        raise ValidationError(errors)


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _next_number(now):
    year = timezone.localtime(now).year
    AdmissionNumberCounter.objects.bulk_create([AdmissionNumberCounter(year=year, last=0)], ignore_conflicts=True)
    counter = AdmissionNumberCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"ZR-{year}-{counter.last:04d}"


# --- Validation of a request and its resources -------------------------------------------------------


def clean_resources(rows):
    """[{kind, description, quantity, unit, budget_line, instrument}] -> (resources, {"resources[i].field": msgs})."""
    cleaned, errors = [], {}
    for index, row in enumerate(rows):
        prefix = f"resources[{index}]."
        kind = (row.get("kind") or "").strip()
        description = (row.get("description") or "").strip()
        quantity = row.get("quantity")
        unit = (row.get("unit") or "").strip()
        budget_line = (row.get("budget_line") or "").strip()
        instrument = (row.get("instrument") or "").strip()
        if not (kind or description or quantity not in (None, "") or budget_line or instrument):
            continue  # an empty row of the form
        if kind not in ResourceKind.values:
            errors[prefix + "kind"] = [_("请选择资源类别（人员编制、年度经费、下放权限或装备与系统）。")]
            continue
        if not description:
            errors[prefix + "description"] = [_("请写明资源的内容。")]
        if quantity in (None, ""):
            quantity = None
        else:
            try:
                quantity = Decimal(str(quantity))
                if not quantity.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors[prefix + "quantity"] = [_("数量/金额必须是数字。")]
                quantity = None
            else:
                if quantity < 0:
                    errors[prefix + "quantity"] = [_("数量/金额不能为负数。")]
                elif quantity >= Decimal("1e10"):
                    errors[prefix + "quantity"] = [_("数量/金额过大。")]
        allowed = RESOURCE_UNITS[kind]
        label = ResourceKind(kind).label
        if kind == ResourceKind.POWERS:
            if quantity is not None or unit:
                errors[prefix + "unit"] = [_("下放权限不计数量和单位，请写明权限名称和授权文件。")]
            if not instrument:
                errors[prefix + "instrument"] = [_("下放权限必须写明授权文件（名称和文号）。")]
        else:
            unit = unit or allowed[0]
            if unit not in allowed:
                errors[prefix + "unit"] = [_("“%(kind)s”的单位只能是：%(units)s（填写的是“%(unit)s”）。") % {
                    "kind": label, "units": "、".join(allowed), "unit": unit}]
            if quantity is None:
                errors[prefix + "quantity"] = [_("请填写%(kind)s的数量或金额。") % {"kind": label}]
            elif kind == ResourceKind.STAFF and quantity != quantity.to_integral_value():
                errors[prefix + "quantity"] = [_("人员编制必须是整数。")]
        if kind == ResourceKind.FUNDS and not budget_line:
            errors[prefix + "budget_line"] = [_("年度经费必须写明预算科目。")]
        cleaned.append(AdmissionResource(
            kind=kind, description=description[:300], quantity=quantity, unit=unit if kind != ResourceKind.POWERS else "",
            budget_line=budget_line[:100], instrument=instrument[:200], position=len(cleaned),
        ))
    return cleaned, errors


def _clean_request(fields, townships, *, county, today, for_submit):
    """Check the request's own fields; returns (values, errors)."""
    errors = {}
    values = {name: fields.get(name) for name in REQUEST_FIELDS}
    values["title"] = _text(values["title"], "title", _("请填写事项名称。"), errors, max_length=200)
    values["description"] = _text(values["description"], "description", _("请写明要下放的任务内容。"), errors)
    for name in ("legal_basis_statute", "legal_basis_article", "necessity", "no_resources_reason"):
        values[name] = (values[name] or "").strip()
    if len(values["legal_basis_statute"]) > 300:
        errors["legal_basis_statute"] = [_("不能超过 %(n)d 个字。") % {"n": 300}]
    if len(values["legal_basis_article"]) > 100:
        errors["legal_basis_article"] = [_("不能超过 %(n)d 个字。") % {"n": 100}]
    values["all_townships"] = bool(values["all_townships"])
    values["permanent"] = bool(values["permanent"])
    values["duty_kind"] = values["duty_kind"] or DutyKind.BASIC
    if values["duty_kind"] not in DutyKind.values:
        errors["duty_kind"] = [_("请选择列入清单的类别。")]
    from responsibilities.models import Category

    if values["category"] not in Category.values:
        errors["category"] = [_("请选择四平台分类。")]
    values["volume_unit"] = values["volume_unit"] or VolumeUnit.CASES
    if values["volume_unit"] not in VolumeUnit.values:
        errors["volume_unit"] = [_("工作量只能以“件/月”或“工时/月”计。")]
    start = values["start_date"]
    if isinstance(start, str):
        try:
            start = datetime.date.fromisoformat(start)
        except ValueError:
            errors["start_date"] = [_("开始日期格式不正确（例如 2026-12-01）。")]
            start = None
    values["start_date"] = start
    if start is None and "start_date" not in errors:
        errors["start_date"] = [_("请填写开始日期。")]
    elif start is not None and start < today:
        errors["start_date"] = [_("开始日期不能早于今天（%(today)s）。") % {"today": today.isoformat()}]
    if values["permanent"]:
        values["duration_months"] = None
    elif values["duration_months"] in (None, ""):
        errors["duration_months"] = [_("请填写期限（月），或选择“长期”。")]
    else:
        try:
            months = int(values["duration_months"])
        except (TypeError, ValueError):
            months = 0
        if not 1 <= months <= 120:
            errors["duration_months"] = [_("期限应在 1 到 120 个月之间。")]
        values["duration_months"] = months
    if values["volume"] not in (None, ""):
        try:
            volume = int(values["volume"])
        except (TypeError, ValueError):
            volume = -1
        if volume < 0 or volume > 1_000_000:
            errors["volume"] = [_("预计工作量必须是不小于 0 的整数。")]
        values["volume"] = volume
    else:
        values["volume"] = None
    if not values["all_townships"]:
        if not townships and for_submit:
            errors["townships"] = [_("请选择适用的乡镇（街道），或选择“适用全部乡镇（街道）”。")]
        for township in townships:
            if not (township.is_township and township.parent_id == county.pk):
                errors["townships"] = [_("只能选择本县（区）所辖的乡镇（街道）。")]
                break
    if for_submit:
        if not values["legal_basis_statute"]:
            errors["legal_basis_statute"] = [_("请填写法律（政策）依据：法律法规或政策文件的名称。没有法定依据的事项不能下放。")]
        if not values["legal_basis_article"]:
            errors["legal_basis_article"] = [_("请写明依据的具体条款。")]
        if not values["necessity"]:
            errors["necessity"] = [_("请说明为什么本部门自身无法承担该事项。")]
        if values["volume"] is None:
            errors["volume"] = [_("请填写预计工作量。")]
    return values, errors


def _check_no_resources(values, resources, errors):
    if not resources and not values["no_resources_reason"]:
        errors["no_resources_reason"] = [_("没有随附人员、经费、权限或装备时，必须说明理由（该申请将被标注“未随附资源”）。")]


# --- The department: drafts, attachments, submission -------------------------------------------------


@transaction.atomic
def request_save(*, actor, department=None, request=None, fields, townships=(), resources=()):
    """Create a draft (request=None, for `department`) or change a draft / returned request.
    The whole request is replaced by what is given; every change is written to the history."""
    now = timezone.now()
    if request is None:
        if department is None or department not in permissions.proposer_departments(actor):
            raise AdmissionPermissionDenied(_("只有县级及以上职能部门的办理人员可以提出职责准入申请。"))
        county_path = permissions._government_path(department)
        from governance.models import Unit

        county = Unit.objects.get(path=county_path)
    else:
        _require(permissions.proposer_unit(actor, request), _("只有申请部门的人员可以修改该申请。"))
        county = request.county
    townships = list(townships)
    values, errors = _clean_request(fields, townships, county=county, today=timezone.localdate(now), for_submit=False)
    cleaned, resource_errors = clean_resources(resources)
    errors.update(resource_errors)
    _raise_if(errors)
    if request is None:
        request = AdmissionRequest(department=department, county=county, created_by=actor, **values)
        request.save()
        action, changes = "admission.created", {}
    else:
        request = _lock(request)
        if request.state not in EDITABLE_STATES:
            raise AdmissionConflict(_("申请提交后不能再修改；如需修改，请等待审查机构退回修改。"))
        changes = {}
        for name, value in values.items():
            old = getattr(request, name)
            if old != value:
                changes[name] = [str(old if old is not None else ""), str(value if value is not None else "")]
                setattr(request, name, value)
        request.save(update_fields=[*values, "updated_at"])
        old_resources = [f"{r.get_kind_display()} {r.summary}" for r in request.resources.all()]
        new_resources = [f"{r.get_kind_display()} {r.summary}" for r in cleaned]
        if old_resources != new_resources:
            changes["resources"] = [old_resources, new_resources]
        action = "admission.changed"
    old_townships = sorted(t.display_name for t in request.townships.all()) if action == "admission.changed" else []
    request.townships.set([] if values["all_townships"] else townships)
    new_townships = sorted(t.display_name for t in townships) if not values["all_townships"] else []
    if action == "admission.changed" and old_townships != new_townships:
        changes["townships"] = [old_townships, new_townships]
    request.resources.all().delete()
    for resource in cleaned:
        resource.request = request
    AdmissionResource.objects.bulk_create(cleaned)
    if action == "admission.created" or changes:
        _event(request, actor=actor, action=action, from_state=request.state, unit=request.department,
               data={"changes": changes} if changes else {"title": request.title})
    return request


@transaction.atomic
def request_attach(*, request, actor, files):
    """Attach PDF documents or photos (checked by content) to a request being written."""
    _require(permissions.proposer_unit(actor, request), _("只有申请部门的人员可以上传附件。"))
    try:
        checked = validate_attachments(files)
    except ValidationError as exc:
        raise ValidationError({"files": exc.messages})
    if not checked:
        raise ValidationError({"files": [_("请选择要上传的文件。")]})
    request = _lock(request)
    if request.state not in EDITABLE_STATES:
        raise AdmissionConflict(_("申请提交后不能再上传附件；如需补充，请等待审查机构退回修改。"))
    stored = []
    try:
        for upload, content_type in checked:
            attachment = AdmissionAttachment(
                request=request, original_name=(upload.name or "file")[:255], content_type=content_type,
                size=upload.size, uploaded_by=actor,
            )
            attachment.file.save(upload.name or "file", upload, save=False)
            stored.append(attachment.file.name)
            attachment.save()
        _event(request, actor=actor, action="admission.attached", from_state=request.state, unit=request.department,
               data={"files": [u.name for u, _t in checked]})
    except Exception:
        from django.core.files.storage import default_storage

        for name in stored:
            default_storage.delete(name)
        raise
    return request


def request_submit(*, request, actor):
    """Submit for review: everything required must be there; from now on the department cannot edit it."""
    unit = _require(permissions.proposer_unit(actor, request), _("只有申请部门的人员可以提交该申请。"))
    with transaction.atomic():
        request = _lock(request)
        if request.state not in EDITABLE_STATES:
            raise AdmissionConflict(_("该申请已经提交，正在审查。"))
        now = timezone.now()
        fields = {name: getattr(request, name) for name in REQUEST_FIELDS}
        townships = list(request.townships.all())
        _values, errors = _clean_request(fields, townships, county=request.county, today=timezone.localdate(now),
                                         for_submit=True)
        resources = list(request.resources.all())
        _check_no_resources(fields, resources, errors)
        _raise_if(errors)
        before = request.state
        if not request.number:
            request.number = _next_number(now)
        due_at = add_working_days(now, settings.ADMISSION_REVIEW_DAYS)
        _transition(request, "submit", now=now, due_at=due_at, remind_at=warning_point(now, due_at))
        _save(request, ["number", "submitted_at", "return_reason", "due_at", "remind_at", "reminded_at",
                        "escalation_level", "escalated_at"])
        _event(request, actor=actor, action="admission.submitted", from_state=before, unit=unit,
               data={"number": request.number, "resources": len(resources), "no_resources": not resources})
        _notify(request, _reviewers(request), "admission.submitted",
                _("职责准入申请 %(number)s 待审查") % {"number": request.number},
                _("%(dept)s：%(title)s") % {"dept": request.department.display_name, "title": request.title})
    return request


# --- The reviewer ------------------------------------------------------------------------------------


def request_check(*, request, actor, step, outcome, note):
    """Record a review step's finding (legality, conflicts, resource adequacy)."""
    unit = _require(permissions.reviewer_unit(actor, request), _("只有本辖区的职责准入审查人员可以审查该申请。"))
    errors = {}
    if step not in CheckStep.values:
        errors["step"] = [_("请选择审查环节。")]
    if outcome not in CheckOutcome.values:
        errors["outcome"] = [_("请选择审查结论。")]
    note = _text(note, "note", _("请写明审查意见。"), errors)
    _raise_if(errors)
    with transaction.atomic():
        request = _lock(request)
        if request.state not in (AdmissionState.SUBMITTED, AdmissionState.CONSULTATION):
            raise AdmissionConflict(_("该申请已不在审查中。"))
        AdmissionCheck.objects.create(request=request, step=step, outcome=outcome, note=note, reviewer=actor)
        _event(request, actor=actor, action="admission.checked", from_state=request.state, unit=unit, reason=note,
               data={"step": step, "outcome": outcome})
    return request


def request_open_consultation(*, request, actor, note=""):
    """征求意见: the townships affected have ADMISSION_COMMENT_DAYS working days to comment; the decision is
    due ADMISSION_DECISION_DAYS working days after that. The legality check must have passed first."""
    from admission.selectors import affected_townships, latest_checks

    unit = _require(permissions.reviewer_unit(actor, request), _("只有本辖区的职责准入审查人员可以征求意见。"))
    with transaction.atomic():
        request = _lock(request)
        legality = latest_checks(request)[CheckStep.LEGALITY]
        if request.state == AdmissionState.SUBMITTED and (legality is None or legality.outcome != CheckOutcome.PASSED):
            raise ValidationError(_("合法性审查通过后才能征求乡镇意见。"))
        now = timezone.now()
        until = add_working_days(now, settings.ADMISSION_COMMENT_DAYS)
        before = request.state
        due_at = add_working_days(until, settings.ADMISSION_DECISION_DAYS)
        _transition(request, "open_consultation", until=until, due_at=due_at, remind_at=warning_point(now, due_at))
        _save(request, ["consultation_until", "due_at", "remind_at", "reminded_at", "escalation_level",
                        "escalated_at"])
        _event(request, actor=actor, action="admission.consultation_opened", from_state=before, unit=unit,
               reason=(note or "").strip(), data={"until": until.isoformat()})
        townships = affected_townships(request)
        _notify(request, _township_staff(townships), "admission.consultation",
                _("请对职责准入申请 %(number)s 提出意见") % {"number": request.number},
                _("%(title)s。意见截止：%(until)s。") % {
                    "title": request.title, "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")})
    return request


def request_comment(*, request, actor, position, text):
    """A township's comment during the comment period: once per township, before the period ends."""
    unit = _require(permissions.township_unit(actor, request), _("只有该申请涉及的乡镇（街道）可以提出意见。"))
    errors = {}
    if position not in CommentPosition.values:
        errors["position"] = [_("请选择“同意”或“有意见”。")]
    text = _text(text, "text", _("请写明具体意见。"), errors, max_length=2000)
    _raise_if(errors)
    with transaction.atomic():
        request = _lock(request)
        if request.state != AdmissionState.CONSULTATION:
            raise AdmissionConflict(_("该申请目前不在征求意见期。"))
        if timezone.now() > request.consultation_until:
            raise AdmissionConflict(_("征求意见期已于 %(until)s 结束。") % {
                "until": timezone.localtime(request.consultation_until).strftime("%Y-%m-%d %H:%M")})
        if TownshipComment.objects.filter(request=request, township=unit).exists():
            raise AdmissionConflict(_("%(township)s已经提出过意见。") % {"township": unit.display_name})
        TownshipComment.objects.create(request=request, township=unit, position=position, text=text, author=actor)
        _event(request, actor=actor, action="admission.commented", from_state=request.state, unit=unit, reason=text,
               data={"township": unit.pk, "position": position})
        _notify(request, _reviewers(request), "admission.commented",
                _("%(township)s对准入申请 %(number)s 提出了意见") % {"township": unit.display_name, "number": request.number},
                text)
    return request


def _decision_reason(reason, errors):
    return _text(reason, "reason", _("请写明理由。"), errors, max_length=4000)


def request_return(*, request, actor, reason):
    """退回修改: the department may edit and submit again."""
    unit = _require(permissions.reviewer_unit(actor, request), _("只有本辖区的职责准入审查人员可以退回该申请。"))
    errors = {}
    reason = _decision_reason(reason, errors)
    _raise_if(errors)
    with transaction.atomic():
        request = _lock(request)
        before = request.state
        _transition(request, "return_for_changes", reason=reason,
                    message=_("该申请已作出决定或不在审查中，不能退回修改。"))
        _save(request, ["return_reason", "due_at"])
        _event(request, actor=actor, action="admission.returned", from_state=before, unit=unit, reason=reason)
        _notify(request, _department_staff(request), "admission.returned",
                _("职责准入申请 %(number)s 被退回修改") % {"number": request.number}, reason)
    return request


def request_reject(*, request, actor, reason):
    unit = _require(permissions.reviewer_unit(actor, request), _("只有本辖区的职责准入审查人员可以作出决定。"))
    errors = {}
    reason = _decision_reason(reason, errors)
    _raise_if(errors)
    with transaction.atomic():
        request = _lock(request)
        before = request.state
        _transition(request, "reject", now=timezone.now(), actor=actor, reason=reason,
                    message=_("该申请已经作出决定（%(state)s），不能再次决定。") % {"state": request.get_state_display()})
        _save(request, ["decided_at", "decided_by", "decision_reason", "due_at"])
        _event(request, actor=actor, action="admission.rejected", from_state=before, unit=unit, reason=reason)
        _notify(request, _department_staff(request), "admission.rejected",
                _("职责准入申请 %(number)s 不予准入") % {"number": request.number}, reason)
    return request


def target_lists(request, target_list=None):
    """The township lists the approved duty goes into: the chosen list, else the county's list for all its
    townships (when the request covers all), else each affected township's own list."""
    from admission.selectors import affected_townships
    from responsibilities.models import DutyList

    if target_list is not None:
        if target_list.level != "township" or not request.county.path.startswith(target_list.jurisdiction.path):
            raise ValidationError({"target_list": [_("只能列入本县（区）及上级制定的乡镇（街道）责任清单。")]})
        return [target_list]
    if request.all_townships:
        lists = list(DutyList.objects.filter(level="township", jurisdiction=request.county, unit__isnull=True))
        if not lists:
            raise ValidationError({"target_list": [_("本县（区）还没有乡镇（街道）责任清单，请先建立清单或选择一份清单。")]})
        return lists
    lists, missing = [], []
    for township in affected_townships(request):
        own = list(DutyList.objects.filter(level="township", unit=township))
        if own:
            lists += own
        else:
            missing.append(township.display_name)
    if missing:
        raise ValidationError({"target_list": [_(
            "%(townships)s没有单独的责任清单：请选择要列入的清单（选择全县通用清单将适用于所有乡镇）。"
        ) % {"townships": "、".join(missing)}]})
    return lists


def request_approve(*, request, actor, reason, target_list=None):
    """准入: after the three review steps passed and the comment period ended (or every township answered),
    the duty goes into the next draft of each target list, linked by the admission number; each affected
    township gets a checklist of the promised resources. Publication stays the list editor's step."""
    from admission.selectors import affected_townships, latest_checks
    from responsibilities.services import list_item_add_admitted

    unit = _require(permissions.reviewer_unit(actor, request), _("只有本辖区的职责准入审查人员可以作出决定。"))
    errors = {}
    reason = _decision_reason(reason, errors)
    _raise_if(errors)
    with transaction.atomic():
        request = _lock(request)
        if request.state != AdmissionState.CONSULTATION:
            if request.state in (AdmissionState.APPROVED, AdmissionState.REJECTED, AdmissionState.RETIRED):
                raise AdmissionConflict(_("该申请已经作出决定（%(state)s），不能再次决定。") % {
                    "state": request.get_state_display()})
            raise AdmissionConflict(_("征求乡镇意见后才能作出准入决定。"))
        checks = latest_checks(request)
        not_passed = [str(CheckStep(step).label) for step, check in checks.items()
                      if check is None or check.outcome != CheckOutcome.PASSED]
        if not_passed:
            raise ValidationError(_("以下审查环节尚未通过，不能准入：%(steps)s。") % {"steps": "、".join(not_passed)})
        now = timezone.now()
        townships = affected_townships(request)
        answered = set(request.comments.values_list("township_id", flat=True))
        if now < request.consultation_until and not {t.pk for t in townships} <= answered:
            raise ValidationError(_("征求意见期至 %(until)s 结束，尚有乡镇（街道）未反馈意见，暂不能作出准入决定。") % {
                "until": timezone.localtime(request.consultation_until).strftime("%Y-%m-%d %H:%M")})
        lists = target_lists(request, target_list)
        before = request.state
        expires_on = None if request.permanent else add_months(request.start_date, request.duration_months)
        _transition(request, "approve", now=now, actor=actor, reason=reason, expires_on=expires_on)
        request.target_list = target_list
        _save(request, ["decided_at", "decided_by", "decision_reason", "due_at", "expires_on", "target_list"])
        placed = []
        for duty_list in lists:
            draft, item = list_item_add_admitted(
                duty_list=duty_list, actor=actor, admission_ref=request.number, code=request.number,
                title=request.title, description=request.description, legal_basis=request.legal_basis,
                kind=request.duty_kind, category=request.category,
                department=request.department if request.duty_kind == DutyKind.ASSISTING else None,
                response_hours=None, resolution_days=None, keywords="",
            )
            AdmissionPlacement.objects.create(request=request, duty_list=duty_list, version_number=draft.number,
                                              item_code=item.code)
            placed.append({"list": duty_list.code, "version": draft.number})
        ResourceArrival.objects.bulk_create([
            ResourceArrival(resource=resource, township=township)
            for resource in request.resources.all() for township in townships
        ])
        _event(request, actor=actor, action="admission.approved", from_state=before, unit=unit, reason=reason,
               data={"placements": placed, "expires_on": expires_on.isoformat() if expires_on else None})
        _notify(request, _department_staff(request) + _township_staff(townships) + _list_editors(lists),
                "admission.approved", _("职责准入 %(number)s 已批准：%(title)s") % {
                    "number": request.number, "title": request.title},
                _("已列入清单草稿，待清单编辑发布。理由：%(reason)s") % {"reason": reason})
    return request


def _list_editors(lists):
    from django.contrib.auth import get_user_model

    from governance.models import Membership

    people = []
    for duty_list in lists:
        people += list(get_user_model().objects.filter(
            is_active=True, memberships__in=Membership.objects.filter(
                is_active=True, role=Role.EDITOR, unit__pk__in=[*duty_list.jurisdiction.ancestor_ids(),
                                                                 duty_list.jurisdiction_id])).distinct())
    return people


# --- After approval: resources arriving, periodic review ------------------------------------------


def arrival_report(*, request, actor, updates):
    """The township reports, per promised resource, 已到位/部分到位/未到位. updates: {arrival_id: (status, note)}."""
    unit = _require(permissions.township_unit(actor, request), _("只有该事项涉及的乡镇（街道）可以反馈资源到位情况。"))
    errors = {}
    valid = {ArrivalStatus.ARRIVED, ArrivalStatus.PARTIAL, ArrivalStatus.MISSING}
    for arrival_id, (status, note) in updates.items():
        if status not in valid:
            errors[f"arrival_{arrival_id}"] = [_("请选择已到位、部分到位或未到位。")]
        if len(note or "") > 300:
            errors[f"note_{arrival_id}"] = [_("不能超过 %(n)d 个字。") % {"n": 300}]
    _raise_if(errors)
    with transaction.atomic():
        request = _lock(request)
        if request.state != AdmissionState.APPROVED:
            raise AdmissionConflict(_("该事项已不在准入有效期内。"))
        rows = {a.pk: a for a in ResourceArrival.objects.select_for_update().filter(
            resource__request=request, township=unit, pk__in=list(updates))}
        if set(rows) != set(updates):
            raise ValidationError(_("只能反馈本乡镇（街道）的资源到位情况。"))
        now, changed = timezone.now(), []
        for arrival_id, (status, note) in updates.items():
            row = rows[arrival_id]
            note = (note or "").strip()
            if (row.status, row.note) != (status, note):
                changed.append({"resource": row.resource_id, "from": row.status, "to": status})
                row.status, row.note, row.updated_by, row.updated_at = status, note, actor, now
                row.save(update_fields=["status", "note", "updated_by", "updated_at"])
        if changed:
            _event(request, actor=actor, action="admission.resource_reported", from_state=request.state, unit=unit,
                   data={"township": unit.pk, "arrivals": changed})
            if any(c["to"] == ArrivalStatus.MISSING for c in changed):
                _notify(request, _reviewers(request) + _department_staff(request), "admission.resource_missing",
                        _("%(township)s反馈：准入事项 %(number)s 的资源未到位") % {
                            "township": unit.display_name, "number": request.number})
    return request


def renewal_open(*, request, now, system):
    """期满复核 opens (the periodic task): compare-and-set, so running twice opens it once. Returns bool."""
    with transaction.atomic():
        updated = AdmissionRequest.objects.filter(
            pk=request.pk, state=AdmissionState.APPROVED, renewal_due_since__isnull=True).update(renewal_due_since=now)
        if not updated:
            return False
        request = AdmissionRequest.objects.select_related("county", "department").get(pk=request.pk)
        _event(request, actor=system, action="admission.renewal_due", from_state=request.state,
               data={"expires_on": request.expires_on.isoformat()})
        _notify(request, _reviewers(request), "admission.renewal_due",
                _("准入事项 %(number)s 将于 %(date)s 到期，请复核") % {
                    "number": request.number, "date": request.expires_on.isoformat()},
                dedupe=None)
    return True


def request_renew(*, request, actor, reason):
    unit = _require(permissions.reviewer_unit(actor, request), _("只有本辖区的职责准入审查人员可以复核。"))
    errors = {}
    reason = _decision_reason(reason, errors)
    _raise_if(errors)
    with transaction.atomic():
        request = _lock(request)
        if request.expires_on is None:
            raise AdmissionConflict(_("长期事项不需要期满复核。"))
        base = max(request.expires_on, timezone.localdate())
        expires_on = add_months(base, request.duration_months)
        before = request.state
        _transition(request, "renew", expires_on=expires_on)
        _save(request, ["expires_on", "renewal_due_since"])
        _event(request, actor=actor, action="admission.renewed", from_state=before, unit=unit, reason=reason,
               data={"expires_on": expires_on.isoformat()})
    return request


def request_retire(*, request, actor, reason):
    """Retire an admitted duty: it is taken out of the next draft of the lists it was placed in."""
    from responsibilities.services import list_items_remove_admitted

    unit = _require(permissions.reviewer_unit(actor, request), _("只有本辖区的职责准入审查人员可以复核。"))
    errors = {}
    reason = _decision_reason(reason, errors)
    _raise_if(errors)
    with transaction.atomic():
        request = _lock(request)
        before = request.state
        _transition(request, "retire")
        _save(request, ["renewal_due_since"])
        removed = []
        for placement in {p.duty_list_id: p for p in request.placements.select_related("duty_list")}.values():
            draft, count = list_items_remove_admitted(duty_list=placement.duty_list, actor=actor,
                                                      admission_ref=request.number)
            removed.append({"list": placement.duty_list.code, "version": draft.number, "items": count})
        _event(request, actor=actor, action="admission.retired", from_state=before, unit=unit, reason=reason,
               data={"drafts": removed})
    return request
