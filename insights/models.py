"""Insights (堵点): what the case evidence says about the lists, stored per county and period.

- Finding   one detector's conclusion about one subject (a list item, or a list item and a department) in one
            county and period: its weight, a plain sentence of what it suggests and its evidence (case ids and
            counts). Derived data: insights.services.findings_compute rewrites a period's findings (upsert on
            county, period, detector, subject), so recomputing is idempotent. A finding that no longer holds is
            deleted, unless a proposal points at it: then it is kept and marked (`lapsed_at`).
- RevisionProposal   a proposal (修订建议, "RP-2026-0003") drawn from a finding to revise one list: add an item,
            change an item's kind, owning department or time limits, with the finding's evidence (case ids, and the
            townships whose cases they are). Reviewed by an editor of the list (accept / reject with reason); an
            accepted one is placed in the list's next draft (responsibilities.services.list_draft_apply_change).
- ProposalEvent   the append-only audit trail of proposals (UPDATE/DELETE refused by a database trigger).

Reads cases, responsibilities and governance from outside; neither of them knows this app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition


class Detector(models.TextChoices):
    DISPUTED_ITEM = "disputed_item", _("职责归属不清")
    WRONG_OWNER = "wrong_owner", _("牵头部门可能有误")
    IMPOSSIBLE_DEADLINE = "impossible_deadline", _("办理时限难以完成")
    LIST_GAP = "list_gap", _("清单空白")
    PUSHED_DOWN_WITHOUT_MEANS = "pushed_down_without_means", _("未随附资源下沉")
    HOT_SPOT = "hot_spot", _("异常集中")


class Finding(models.Model):
    county = models.ForeignKey("governance.Unit", verbose_name=_("县（区）"), on_delete=models.PROTECT,
                               related_name="+")
    period_start = models.DateField(_("统计期起"))
    period_end = models.DateField(_("统计期止"))  # exclusive: the first day after the period
    detector = models.CharField(_("发现类型"), max_length=32, choices=Detector.choices)
    # The subject's identity within (county, period, detector), e.g. "item:PH-010" or "item:PH-010|unit:7".
    subject_key = models.CharField(_("对象标识"), max_length=200)
    item_code = models.CharField(_("清单事项编码"), max_length=64, blank=True)
    item_title = models.CharField(_("清单事项名称"), max_length=300, blank=True)
    unit = models.ForeignKey("governance.Unit", verbose_name=_("相关单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    weight = models.FloatField(_("权重"))
    summary = models.TextField(_("说明"))
    evidence = models.JSONField(_("证据"), default=dict)  # {"case_ids": [...], counts...}
    computed_at = models.DateTimeField(_("计算时间"))
    # Set when a recomputation no longer finds it but proposals point at it (so it is kept); cleared if it fires
    # again. See insights.services.findings_compute.
    lapsed_at = models.DateTimeField(_("不再成立时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("堵点发现")
        verbose_name_plural = _("堵点发现")
        ordering = ["-weight", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["county", "period_start", "period_end", "detector", "subject_key"],
                                    name="insights_finding_one_per_subject"),
        ]
        indexes = [models.Index(fields=["county", "period_start", "-weight"], name="insights_finding_page")]

    def __str__(self):
        return f"{self.get_detector_display()}: {self.item_title or self.subject_key}"

    @property
    def case_ids(self):
        return self.evidence.get("case_ids", [])


class CountyThresholds(models.Model):
    """A county's own thresholds for the detectors: only the keys it changed, over settings.INSIGHTS_THRESHOLDS and
    insights.detectors.DEFAULTS. Read by findings_compute (and so by the daily task); written by
    insights.services.thresholds_save, which validates each value."""

    county = models.OneToOneField("governance.Unit", verbose_name=_("县（区）"), on_delete=models.CASCADE,
                                  related_name="+")
    values = models.JSONField(_("阈值"), default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("堵点分析阈值")
        verbose_name_plural = _("堵点分析阈值")

    def __str__(self):
        return str(self.county)
class ProposalKind(models.TextChoices):
    ADD_ITEM = "add_item", _("新增清单事项")
    CHANGE_KIND = "change_kind", _("调整事项类别")
    CHANGE_DEPARTMENT = "change_department", _("调整牵头/责任部门")
    CHANGE_LIMITS = "change_limits", _("调整办理时限")


class ProposalState(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    ACCEPTED = "accepted", _("已采纳")
    REJECTED = "rejected", _("未采纳")
    APPLIED = "applied", _("已写入清单草稿")


class RevisionProposal(models.Model):
    number = models.CharField(_("建议编号"), max_length=32, unique=True)
    finding = models.ForeignKey(Finding, verbose_name=_("堵点发现"), on_delete=models.PROTECT, related_name="proposals")
    county = models.ForeignKey("governance.Unit", verbose_name=_("县（区）"), on_delete=models.PROTECT, related_name="+")
    duty_list = models.ForeignKey("responsibilities.DutyList", verbose_name=_("清单"), on_delete=models.PROTECT,
                                  related_name="+")
    kind = models.CharField(_("修订类型"), max_length=32, choices=ProposalKind.choices)
    item_code = models.CharField(_("事项编码"), max_length=32)
    # The item's owning department when the proposal was made: a department concerned (sees the proposal).
    item_department = models.ForeignKey("governance.Unit", verbose_name=_("原牵头/责任部门"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    # The change, as plain data for responsibilities.services.list_draft_apply_change: {"op", "code"?, "fields"}
    # with the department as an id; `before` keeps the item's values when the proposal was made, for the page.
    change = models.JSONField(_("修订内容"), default=dict)
    before = models.JSONField(_("修订前"), default=dict, blank=True)
    reason = models.TextField(_("理由"))
    case_ids = models.JSONField(_("证据案件"), default=list)  # the finding's evidence when the proposal was made
    townships = models.ManyToManyField("governance.Unit", verbose_name=_("证据来源乡镇"), related_name="+", blank=True)
    state = FSMField(_("状态"), default=ProposalState.SUBMITTED, choices=ProposalState.choices, protected=True)
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT,
                                 related_name="+")
    proposer_unit = models.ForeignKey("governance.Unit", verbose_name=_("提出单位"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_reason = models.TextField(_("审核意见"), blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("写入人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(_("写入草稿时间"), null=True, blank=True)
    # The draft's number (not a foreign key: a draft may be discarded, and the proposal keeps its record).
    applied_version_number = models.PositiveIntegerField(_("写入的版本号"), null=True, blank=True)

    class Meta:
        verbose_name = _("清单修订建议")
        verbose_name_plural = _("清单修订建议")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["county", "state"], name="insights_proposal_county")]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()} {self.item_code}"

    @transition(field=state, source=ProposalState.SUBMITTED, target=ProposalState.ACCEPTED)
    def accept(self, *, by, at, reason):
        self.reviewed_by, self.reviewed_at, self.review_reason = by, at, reason

    @transition(field=state, source=ProposalState.SUBMITTED, target=ProposalState.REJECTED)
    def reject(self, *, by, at, reason):
        self.reviewed_by, self.reviewed_at, self.review_reason = by, at, reason

    @transition(field=state, source=ProposalState.ACCEPTED, target=ProposalState.APPLIED)
    def apply(self, *, by, at, version_number):
        self.applied_by, self.applied_at, self.applied_version_number = by, at, version_number


class ProposalNumberCounter(models.Model):
    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class ProposalEvent(models.Model):
    """Written explicitly by insights.services; UPDATE and DELETE refused by a database trigger (migration 0003)."""

    proposal = models.ForeignKey(RevisionProposal, verbose_name=_("修订建议"), on_delete=models.PROTECT,
                                 related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT,
                              related_name="+")
    action = models.CharField(_("动作"), max_length=64)  # dotted, e.g. "proposal.accepted"
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, blank=True)
    reason = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("修订建议记录")
        verbose_name_plural = _("修订建议记录")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.proposal_id} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("ProposalEvent is append-only: an event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("ProposalEvent is append-only: an event cannot be deleted.")

    @property
    def action_label(self):
        return EVENT_LABELS.get(self.action, self.action)


EVENT_LABELS = {
    "proposal.submitted": _("提出修订建议"),
    "proposal.accepted": _("采纳"),
    "proposal.rejected": _("不予采纳"),
    "proposal.applied": _("写入清单草稿"),
}
