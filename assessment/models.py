"""Assessment (考核): per-case facts, exemptions (尽职免责), score formulas and frozen monthly closes.

Reads cases, responsibilities and governance through their models; writes only here.

- CaseFact      one row per (case, body): what the case means for that township or department.
                Derived data, recomputed by assessment.facts (idempotent; the Celery task re-runs any day).
- ExemptionRequest / ExemptionEvidence   免责申请 with a fixed reason, evidence files and a reviewer's decision.
- AssessmentEvent   the append-only log of requests, decisions, formula changes, closes and reopenings.
- ScoreFormula  versioned weights per county; a new version is a new row, never an edit.
- MonthClose    the immutable snapshot of a closed month; MonthReopen records that it was reopened, and why.
The last four are append-only in the database (triggers, migration 0002).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BodyRole(models.TextChoices):
    TOWNSHIP = "township", _("上报乡镇")
    LEAD = "lead", _("牵头部门")
    ASSISTING = "assisting", _("协同部门")
    FORMER = "former", _("原承办部门（已退回或改派）")


class FactFields(models.Model):
    """The columns of a fact, shared by the live CaseFact and the frozen copy of a closed month."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    body = models.ForeignKey("governance.Unit", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("governance.Unit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=BodyRole.choices)
    month = models.DateField()  # first day of the month the case was reported in (local time)
    day = models.DateField()  # the day it was reported
    list_item = models.ForeignKey("responsibilities.ListItem", null=True, on_delete=models.SET_NULL, related_name="+")
    item_kind = models.CharField(max_length=16, blank=True)
    # Department figures (null where they do not apply to this body).
    claimed = models.BooleanField(default=False)
    claimed_on_time = models.BooleanField(null=True)
    resolved = models.BooleanField(default=False)
    resolved_on_time = models.BooleanField(null=True)
    rated = models.BooleanField(default=False)
    satisfied = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    declined_away = models.BooleanField(default=False)
    reassigned_away = models.BooleanField(default=False)
    esc_1 = models.PositiveSmallIntegerField(default=0)
    esc_2 = models.PositiveSmallIntegerField(default=0)
    esc_3 = models.PositiveSmallIntegerField(default=0)  # level 3 and above
    ext_requested = models.PositiveSmallIntegerField(default=0)
    ext_approved = models.PositiveSmallIntegerField(default=0)
    # Working hours per stage (official calendar), the clock pauses taken out where a rule says so.
    triage_hours = models.FloatField(null=True)
    response_hours = models.FloatField(null=True)
    resolution_hours = models.FloatField(null=True)
    feedback_hours = models.FloatField(null=True)
    # Township figures.
    returned = models.BooleanField(default=False)
    feedback_on_time = models.BooleanField(null=True)
    info_answer_hours = models.FloatField(null=True)
    # 失职: a deadline of this body missed; exempt_code says why it does not count ("" = it counts).
    missed = models.BooleanField(default=False)
    exempt_code = models.CharField(max_length=48, blank=True)

    class Meta:
        abstract = True


FACT_FIELDS = [
    "case_id", "body_id", "county_id", "role", "month", "day", "list_item_id", "item_kind", "claimed",
    "claimed_on_time", "resolved", "resolved_on_time", "rated", "satisfied", "reopened", "declined_away",
    "reassigned_away", "esc_1", "esc_2", "esc_3", "ext_requested", "ext_approved", "triage_hours", "response_hours",
    "resolution_hours", "feedback_hours", "returned", "feedback_on_time", "info_answer_hours", "missed", "exempt_code",
]


class CaseFact(FactFields):
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "body", "role"], name="casefact_unique")]
        indexes = [
            models.Index(fields=["county", "day", "body"]),
            models.Index(fields=["body", "day"]),
        ]


class RollupWatermark(models.Model):
    """Up to when facts have been computed from the audit log (one row per county; id = county id)."""

    county = models.OneToOneField("governance.Unit", primary_key=True, on_delete=models.CASCADE, related_name="+")
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class ExemptionReason(models.TextChoices):
    OUTSIDE_LIST = "outside_list", _("权责不匹配：事项不在本单位清单内")
    NOT_DELEGATED = "not_delegated", _("权责不匹配：所需权限未下放")
    FORCE_MAJEURE = "force_majeure", _("不可抗力")
    POLICY_CHANGE = "policy_change", _("上级决策调整")
    OTHER = "other", _("其他")


class ExemptionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已免责")
        REJECTED = "rejected", _("已驳回")

    case = models.ForeignKey("cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="+")
    body = models.ForeignKey("governance.Unit", verbose_name=_("申请单位"), on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("governance.Unit", verbose_name=_("所属县"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("免责理由"), max_length=24, choices=ExemptionReason.choices)
    text = models.TextField(_("情况说明"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    due_at = models.DateTimeField(_("审核时限"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("免责申请")
        verbose_name_plural = _("免责申请")
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "body"], name="exemption_one_per_case_body")]
        indexes = [models.Index(fields=["county", "status", "due_at"])]

    def __str__(self):
        return f"{self.case_id} · {self.body_id} · {self.get_reason_display()}"


class ExemptionEvidence(models.Model):
    request = models.ForeignKey(ExemptionRequest, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("文件"), upload_to="assessment/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    created_at = models.DateTimeField(auto_now_add=True)


class AssessmentEvent(models.Model):
    """Append-only: exemption requests and decisions, formula versions, closes and reopenings."""

    county = models.ForeignKey("governance.Unit", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=100)
    action = models.CharField(max_length=64)  # e.g. "exemption.approved", "month.closed"
    subject = models.CharField(max_length=64, blank=True)  # e.g. "exemption:12", "month:2026-05"
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]


class ScoreFormula(models.Model):
    """Weights of the composite score for one county; the highest version is in force."""

    county = models.ForeignKey("governance.Unit", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    weights = models.JSONField()  # {"department": {metric: weight}, "township": {metric: weight}}
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["county", "version"], name="formula_unique_version")]


class MonthClose(models.Model):
    """A closed month: the figures, exemptions and ranking exactly as the meeting saw them."""

    county = models.ForeignKey("governance.Unit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    formula = models.ForeignKey(ScoreFormula, on_delete=models.PROTECT, related_name="+")
    snapshot = models.JSONField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "-closed_at"]
        indexes = [models.Index(fields=["county", "month"])]


class FrozenFact(FactFields):
    """A fact as it stood when its month was closed: the drill-down of a closed month reads these."""

    close = models.ForeignKey(MonthClose, on_delete=models.PROTECT, related_name="facts")

    class Meta:
        indexes = [models.Index(fields=["close", "body"])]


class MonthReopen(models.Model):
    close = models.OneToOneField(MonthClose, on_delete=models.PROTECT, related_name="reopening")
    reason = models.TextField()
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reopened_at = models.DateTimeField(auto_now_add=True)


def current_close_q():
    """Closes still in force (not reopened)."""
    return Q(reopening__isnull=True)
