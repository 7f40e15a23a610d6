"""Writes for assessment: exemption requests and decisions, formula versions, closing and reopening a month.

Each write and its AssessmentEvent (append-only) and notifications commit together. Bad input is a
ValidationError with field messages; a role the actor lacks is AssessmentDenied; a stale state
(decided meanwhile, already closed) is AssessmentConflict.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment import facts as facts_mod
from assessment import figures, permissions
from assessment.models import (
    FACT_FIELDS,
    AssessmentEvent,
    CaseFact,
    ExemptionEvidence,
    ExemptionReason,
    ExemptionRequest,
    FrozenFact,
    MonthClose,
    MonthReopen,
    ScoreFormula,
)
from cases.uploads import validate_photos
from governance.calendar import add_working_days
from governance.models import Role, Unit
from governance.selectors import display_name, members_with_role
from governance.services import notification_send

MAX_TEXT = 2000

# The actions of the assessment log and the label a page shows for each (never the raw code).
EVENT_LABELS = {
    "exemption.requested": gettext_lazy("提出免责申请"),
    "exemption.approved": gettext_lazy("批准免责"),
    "exemption.rejected": gettext_lazy("驳回免责申请"),
    "formula.changed": gettext_lazy("调整考核权重"),
    "month.closed": gettext_lazy("关账"),
    "month.reopened": gettext_lazy("重新打开已关账月份"),
}


class AssessmentDenied(Exception):
    def __init__(self, message=None):
        self.message = message or _("您无权执行此操作。")
        super().__init__(str(self.message))


class AssessmentConflict(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def _event(county, actor, action, subject, reason="", data=None):
    return AssessmentEvent.objects.create(county=county, actor=actor, actor_name=display_name(actor) or _("系统"),
                                          action=action, subject=subject, reason=reason, data=data or {})


def _reviewers(county):
    people = {u.pk: u for u in members_with_role(county, Role.ASSESSOR)}
    for unit in Unit.objects.filter(parent=county, kind="department"):
        for u in members_with_role(unit, Role.ASSESSOR):
            people[u.pk] = u
    if not people:
        people = {u.pk: u for u in members_with_role(county, Role.SUPERVISOR)}
    return list(people.values())


# --- 免责申请 ----------------------------------------------------------------------------------------


def exemption_request(*, actor, case, body, reason, text, files=()):
    """A body asks for a case to leave its figures. One request per case and body, ever."""
    if not permissions.may_request_exemption(actor, body):
        raise AssessmentDenied(_("只有本单位人员可以为本单位申请免责。"))
    errors = {}
    text = (text or "").strip()
    if reason not in ExemptionReason.values:
        errors["reason"] = _("请选择免责理由。")
    if not text:
        errors["text"] = _("请说明情况：为什么该事项不应计入本单位的考核。")
    elif len(text) > MAX_TEXT:
        errors["text"] = _("不能超过 %(n)d 个字。") % {"n": MAX_TEXT}
    try:
        checked = validate_photos(files)
    except ValidationError as exc:
        errors["files"] = exc.messages
        checked = []
    facts_mod.refresh_cases([case.pk])
    if not CaseFact.objects.filter(case=case, body=body).exists():
        errors["body"] = _("该事项不计入本单位的考核，无需申请免责。")
    if ExemptionRequest.objects.filter(case=case, body=body).exists():
        errors["case"] = _("本单位已就该事项提出过免责申请，不能重复申请。")
    if errors:
        raise ValidationError(errors)
    county = case.township.parent
    now = timezone.now()
    stored = []
    try:
        with transaction.atomic():
            request = ExemptionRequest.objects.create(
                case=case, body=body, county=county, reason=reason, text=text, requested_by=actor,
                due_at=add_working_days(now, settings.ASSESSMENT_REVIEW_WORKING_DAYS),
            )
            for upload, content_type in checked:
                evidence = ExemptionEvidence(request=request, original_name=(upload.name or "file")[:255],
                                             content_type=content_type, size=upload.size)
                evidence.file.save(upload.name or "file", upload, save=False)
                stored.append(evidence.file.name)
                evidence.save()
            _event(county, actor, "exemption.requested", f"exemption:{request.pk}", text,
                   {"case": case.pk, "case_number": case.number, "body": body.pk, "reason": reason,
                    "files": len(checked)})
            notification_send(
                recipients=_reviewers(county), kind="assessment.exemption_requested",
                title=_("免责申请待审核：%(body)s · %(number)s") % {"body": body.display_name, "number": case.number},
                body=text, url=reverse("assessment:exemption_detail", args=[request.pk]),
                subject=f"exemption:{request.pk}",
            )
    except IntegrityError:
        _remove(stored)
        raise ValidationError({"case": _("本单位已就该事项提出过免责申请，不能重复申请。")})
    except Exception:
        _remove(stored)
        raise
    return request


def _remove(names):
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - best effort
            pass


def exemption_decide(*, actor, request, approve, note):
    viewer = permissions.viewer_for(actor, request.county_id)
    if viewer is None or not viewer.reviewer:
        raise AssessmentDenied(_("只有考核办或上级督办领导可以审核免责申请。"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写审核意见（批准或驳回的理由）。")})
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": _("不能超过 %(n)d 个字。") % {"n": MAX_TEXT}})
    with transaction.atomic():
        fresh = ExemptionRequest.objects.select_for_update().select_related("case", "body", "county").get(pk=request.pk)
        if fresh.status != ExemptionRequest.Status.PENDING:
            raise AssessmentConflict(_("该申请已由他人审核（%(status)s），您的审核未生效。")
                                     % {"status": fresh.get_status_display()})
        fresh.status = ExemptionRequest.Status.APPROVED if approve else ExemptionRequest.Status.REJECTED
        fresh.decided_by = actor
        fresh.decided_at = timezone.now()
        fresh.decision_note = note
        fresh.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        _event(fresh.county, actor, "exemption.approved" if approve else "exemption.rejected",
               f"exemption:{fresh.pk}", note, {"case": fresh.case_id, "body": fresh.body_id, "reason": fresh.reason})
        facts_mod.refresh_cases([fresh.case_id])
        notification_send(
            recipients=[fresh.requested_by], kind="assessment.exemption_decided",
            title=(_("免责申请已批准：%(number)s") if approve else _("免责申请被驳回：%(number)s"))
            % {"number": fresh.case.number},
            body=note, url=reverse("assessment:exemption_detail", args=[fresh.pk]), subject=f"exemption:{fresh.pk}",
        )
    return fresh


# --- Formula ---------------------------------------------------------------------------------------


def formula_current(county):
    return ScoreFormula.objects.filter(county=county).order_by("-version").first()


def formula_in_force(county):
    """The current version, created from the defaults the first time a county is scored."""
    current = formula_current(county)
    if current is None:
        try:
            with transaction.atomic():
                current = ScoreFormula.objects.create(county=county, version=1, weights=figures.DEFAULT_WEIGHTS,
                                                      note=_("默认权重"))
        except IntegrityError:
            current = formula_current(county)
    return current


def formula_set(*, actor, county, weights, note=""):
    """A new version of the county's weights (integers 0–100 per scored rate, at least one above zero)."""
    viewer = permissions.viewer_for(actor, county.pk)
    if viewer is None or not viewer.assessor:
        raise AssessmentDenied(_("只有考核办人员可以调整考核权重。"))
    errors, clean = {}, {}
    for scope, keys in figures.SCORED.items():
        clean[scope] = {}
        for key in keys:
            raw = weights.get(scope, {}).get(key, 0)
            try:
                value = int(str(raw).strip() or 0)
            except ValueError:
                value = -1
            if not 0 <= value <= 100:
                errors[f"{scope}.{key}"] = _("权重必须是 0 到 100 的整数。")
            clean[scope][key] = value
        if not errors and not any(clean[scope].values()):
            errors[scope] = _("至少一项权重大于 0。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Unit.objects.select_for_update().get(pk=county.pk)
        previous = formula_in_force(county)
        formula = ScoreFormula.objects.create(county=county, version=previous.version + 1, weights=clean,
                                              note=(note or "").strip()[:MAX_TEXT], created_by=actor)
        _event(county, actor, "formula.changed", f"formula:{formula.version}", formula.note,
               {"version": formula.version, "weights": clean, "previous": previous.weights})
    return formula


# --- Closing a month ---------------------------------------------------------------------------------


def close_in_force(county, month):
    return MonthClose.objects.filter(county=county, month=month, reopening__isnull=True).select_related(
        "formula", "closed_by").first()


def month_close(*, actor, county, month, today=None):
    """Freeze the month: its facts are copied (FrozenFact) and its figures, exemptions and ranking stored."""
    from assessment import selectors

    viewer = permissions.viewer_for(actor, county.pk)
    if viewer is None or not viewer.assessor:
        raise AssessmentDenied(_("只有考核办人员可以关账（确认月度考核结果）。"))
    today = today or timezone.localdate()
    period = figures.month_period(month)
    if period.end >= today:
        raise ValidationError({"month": _("只能关闭已经结束的月份。")})
    facts_mod.refresh_county(county)
    with transaction.atomic():
        Unit.objects.select_for_update().get(pk=county.pk)
        if close_in_force(county, period.start) is not None:
            raise AssessmentConflict(_("%(month)s 已经关账。") % {"month": period.key})
        formula = formula_in_force(county)
        live = CaseFact.objects.filter(county=county, day__range=(period.start, period.end))
        snapshot = selectors.build_snapshot(county, period, live, formula)
        close = MonthClose.objects.create(county=county, month=period.start, formula=formula, snapshot=snapshot,
                                          closed_by=actor)
        _copy_facts(close, county, period)
        _event(county, actor, "month.closed", f"month:{period.key}", "",
               {"close": close.pk, "formula_version": formula.version, "facts": snapshot["fact_count"]})
    return close


def _copy_facts(close, county, period):
    cols = ", ".join(f'"{c}"' for c in FACT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FrozenFact._meta.db_table} ({cols}, close_id) "  # noqa: S608 - names are ours
            f"SELECT {cols}, %s FROM {CaseFact._meta.db_table} WHERE county_id = %s AND day >= %s AND day <= %s",
            [close.pk, county.pk, period.start, period.end],
        )


def month_reopen(*, actor, county, month, reason):
    viewer = permissions.viewer_for(actor, county.pk)
    if viewer is None or not viewer.assessor:
        raise AssessmentDenied(_("只有考核办人员可以重新打开已关账的月份。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明重新打开的理由。")})
    with transaction.atomic():
        Unit.objects.select_for_update().get(pk=county.pk)
        close = close_in_force(county, month)
        if close is None:
            raise AssessmentConflict(_("该月份未关账。"))
        MonthReopen.objects.create(close=close, reason=reason[:MAX_TEXT], reopened_by=actor)
        _event(county, actor, "month.reopened", f"month:{month:%Y-%m}", reason, {"close": close.pk})
    return close


def _month(value):
    if isinstance(value, date):
        return value.replace(day=1)
    year, month = (int(x) for x in str(value).split("-")[:2])
    return date(year, month, 1)
