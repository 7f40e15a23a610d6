"""Duty admission (职责准入) with the resources that go with a duty (双向赋权).

A county (or higher) department proposes to push a duty down to townships (AdmissionRequest) with its
legal basis, why it cannot do it itself, the expected volume and the staff, funds, powers and equipment
that come with it (AdmissionResource). The county's admission reviewer checks legality, conflicts with
the published lists and resource adequacy (AdmissionCheck), asks the townships affected for comments
(TownshipComment, 征求意见) and decides. Approval puts the duty in the next draft of each affected
township list (responsibilities.services.list_item_add_admitted); each township then reports whether
the promised resources arrived (ResourceArrival). AdmissionEvent is the append-only audit trail.

The state lives in a protected FSMField; transitions only set fields; admission.services saves and audits.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from responsibilities.models import Category


class AdmissionState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("审查中")
    CONSULTATION = "consultation", _("征求意见中")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已准入")
    REJECTED = "rejected", _("不予准入")
    RETIRED = "retired", _("已退出")


EDITABLE_STATES = [AdmissionState.DRAFT, AdmissionState.RETURNED]
# States whose review clock (due_at) runs and that the deadline sweep reads.
REVIEW_STATES = [AdmissionState.SUBMITTED, AdmissionState.CONSULTATION]
DECIDED_STATES = [AdmissionState.APPROVED, AdmissionState.REJECTED, AdmissionState.RETIRED]


class VolumeUnit(models.TextChoices):
    CASES = "cases_month", _("件/月")
    HOURS = "hours_month", _("工时/月")


class DutyKind(models.TextChoices):
    """How the duty sits on the township list (the lists' ItemKind, without the negative list)."""

    BASIC = "basic", _("基本履职事项")
    ASSISTING = "assisting", _("配合履职事项")


class ResourceKind(models.TextChoices):
    STAFF = "staff", _("人员编制")
    FUNDS = "funds", _("年度经费")
    POWERS = "powers", _("下放权限")
    EQUIPMENT = "equipment", _("装备与系统")


# The units each kind of resource may be counted in (the first is the default). Powers are not counted.
RESOURCE_UNITS = {
    ResourceKind.STAFF: ["人", "名编制"],
    ResourceKind.FUNDS: ["万元/年", "元/年"],
    ResourceKind.POWERS: [""],
    ResourceKind.EQUIPMENT: ["套", "台", "个", "账号"],
}


class AdmissionRequest(models.Model):
    number = models.CharField(_("准入编号"), max_length=32, unique=True, null=True, blank=True)  # on first submission
    title = models.CharField(_("事项名称"), max_length=200)
    description = models.TextField(_("事项内容"))
    department = models.ForeignKey(
        "governance.Unit", verbose_name=_("申请部门"), on_delete=models.PROTECT, related_name="admission_requests"
    )
    county = models.ForeignKey(
        "governance.Unit", verbose_name=_("审查辖区"), on_delete=models.PROTECT, related_name="+",
        help_text=_("申请部门所属的政府，由其职责准入审查机构审查"),
    )
    all_townships = models.BooleanField(_("适用全部乡镇（街道）"), default=False)
    townships = models.ManyToManyField("governance.Unit", verbose_name=_("适用乡镇（街道）"), blank=True,
                                       related_name="admission_requests_affecting")
    duty_kind = models.CharField(_("列入清单的类别"), max_length=16, choices=DutyKind.choices, default=DutyKind.BASIC)
    category = models.CharField(_("四平台分类"), max_length=16, choices=Category.choices)
    start_date = models.DateField(_("开始日期"))
    permanent = models.BooleanField(_("长期"), default=False)
    duration_months = models.PositiveSmallIntegerField(_("期限（月）"), null=True, blank=True)
    legal_basis_statute = models.CharField(_("法律（政策）依据"), max_length=300, blank=True)
    legal_basis_article = models.CharField(_("条款"), max_length=100, blank=True)
    necessity = models.TextField(_("部门自身无法承担的理由"), blank=True)
    volume = models.PositiveIntegerField(_("预计工作量"), null=True, blank=True)
    volume_unit = models.CharField(_("工作量单位"), max_length=16, choices=VolumeUnit.choices,
                                   default=VolumeUnit.CASES)
    no_resources_reason = models.TextField(_("不随附资源的理由"), blank=True)
    target_list = models.ForeignKey(
        "responsibilities.DutyList", verbose_name=_("列入清单"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    state = FSMField(_("状态"), default=AdmissionState.DRAFT, choices=AdmissionState.choices, protected=True,
                     db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    consultation_until = models.DateTimeField(_("征求意见截止"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_reason = models.TextField(_("决定理由"), blank=True)
    return_reason = models.TextField(_("退回修改意见"), blank=True)
    # The review clock of the running stage, read by the deadline sweep (admission.sweep).
    due_at = models.DateTimeField(_("审查时限"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    # The reminder before due_at (governance.calendar.warning_point), sent once per stage by the sweep.
    remind_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("已提醒"), null=True, blank=True)
    # Periodic review (期满复核) of an admitted duty with a duration.
    expires_on = models.DateField(_("到期日"), null=True, blank=True)
    renewal_due_since = models.DateTimeField(_("期满复核开始"), null=True, blank=True)

    class Meta:
        verbose_name = _("职责准入申请")
        verbose_name_plural = _("职责准入申请")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(state__in=["submitted", "consultation"]),
                         name="admission_review_due_at"),
            models.Index(fields=["remind_at"], condition=Q(state__in=["submitted", "consultation"],
                                                             reminded_at__isnull=True),
                         name="admission_review_remind_at"),
            models.Index(fields=["department", "state"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(permanent=True) | Q(duration_months__isnull=False),
                                   name="admission_duration_or_permanent"),
        ]

    def __str__(self):
        return f"{self.number or _('（草稿）')} {self.title}"

    @property
    def legal_basis(self):
        return " ".join(p for p in (self.legal_basis_statute, self.legal_basis_article) if p)

    @property
    def is_editable(self):
        return self.state in EDITABLE_STATES

    # --- Transitions: bodies only set fields on self; admission.services saves and audits. ----------

    @transition(field=state, source=[AdmissionState.DRAFT, AdmissionState.RETURNED], target=AdmissionState.SUBMITTED)
    def submit(self, *, now, due_at, remind_at):
        self.submitted_at = now
        self.return_reason = ""
        self.due_at = due_at
        self.remind_at, self.reminded_at = remind_at, None
        self.escalation_level = 0
        self.escalated_at = None

    @transition(field=state, source=AdmissionState.SUBMITTED, target=AdmissionState.CONSULTATION)
    def open_consultation(self, *, until, due_at, remind_at):
        self.consultation_until = until
        self.due_at = due_at
        self.remind_at, self.reminded_at = remind_at, None
        self.escalation_level = 0
        self.escalated_at = None

    @transition(field=state, source=REVIEW_STATES, target=AdmissionState.RETURNED)
    def return_for_changes(self, *, reason):
        self.return_reason = reason
        self.due_at = None

    @transition(field=state, source=REVIEW_STATES, target=AdmissionState.REJECTED)
    def reject(self, *, now, actor, reason):
        self.decided_at, self.decided_by, self.decision_reason = now, actor, reason
        self.due_at = None

    @transition(field=state, source=AdmissionState.CONSULTATION, target=AdmissionState.APPROVED)
    def approve(self, *, now, actor, reason, expires_on):
        self.decided_at, self.decided_by, self.decision_reason = now, actor, reason
        self.due_at = None
        self.expires_on = expires_on

    @transition(field=state, source=AdmissionState.APPROVED, target=AdmissionState.APPROVED)
    def renew(self, *, expires_on):
        self.expires_on = expires_on
        self.renewal_due_since = None

    @transition(field=state, source=AdmissionState.APPROVED, target=AdmissionState.RETIRED)
    def retire(self):
        self.renewal_due_since = None


class AdmissionResource(models.Model):
    request = models.ForeignKey(AdmissionRequest, verbose_name=_("准入申请"), on_delete=models.CASCADE,
                                related_name="resources")
    kind = models.CharField(_("资源类别"), max_length=16, choices=ResourceKind.choices)
    description = models.CharField(_("内容"), max_length=300,
                                   help_text=_("例如：执法岗位、专项经费、行政处罚权、执法记录仪"))
    quantity = models.DecimalField(_("数量/金额"), max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    budget_line = models.CharField(_("预算科目"), max_length=100, blank=True)
    instrument = models.CharField(_("授权文件"), max_length=200, blank=True,
                                  help_text=_("下放权限的文件名称和文号"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("随附资源")
        verbose_name_plural = _("随附资源")
        ordering = ["request", "position", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=0) | Q(quantity__isnull=True),
                                              name="admission_resource_quantity_not_negative")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.summary}"

    @property
    def summary(self):
        parts = [self.description]
        if self.quantity is not None:
            parts.append(f"{self.quantity.normalize():f} {self.unit}".strip())
        if self.budget_line:
            parts.append(str(_("预算科目：%(line)s") % {"line": self.budget_line}))
        if self.instrument:
            parts.append(str(_("依据：%(doc)s") % {"doc": self.instrument}))
        return "，".join(parts)


class AdmissionAttachment(models.Model):
    request = models.ForeignKey(AdmissionRequest, verbose_name=_("准入申请"), on_delete=models.PROTECT,
                                related_name="attachments")
    file = models.FileField(_("文件"), upload_to="admission/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请附件")
        verbose_name_plural = _("申请附件")
        ordering = ["created_at", "id"]


class CheckStep(models.TextChoices):
    LEGALITY = "legality", _("合法性审查")
    CONFLICT = "conflict", _("冲突审查")
    ADEQUACY = "adequacy", _("资源匹配审查")


class CheckOutcome(models.TextChoices):
    PASSED = "passed", _("通过")
    CONCERN = "concern", _("有问题")


class AdmissionCheck(models.Model):
    """One review step's finding. A step may be recorded again; the latest counts."""

    request = models.ForeignKey(AdmissionRequest, verbose_name=_("准入申请"), on_delete=models.PROTECT,
                                related_name="checks")
    step = models.CharField(_("审查环节"), max_length=16, choices=CheckStep.choices)
    outcome = models.CharField(_("结论"), max_length=16, choices=CheckOutcome.choices)
    note = models.TextField(_("审查意见"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审查人"), on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审查意见")
        verbose_name_plural = _("审查意见")
        ordering = ["created_at", "id"]


class CommentPosition(models.TextChoices):
    AGREE = "agree", _("同意")
    CONCERN = "concern", _("有意见")


class TownshipComment(models.Model):
    """A township's answer during the comment period (征求意见): one per township and request."""

    request = models.ForeignKey(AdmissionRequest, verbose_name=_("准入申请"), on_delete=models.PROTECT,
                                related_name="comments")
    township = models.ForeignKey("governance.Unit", verbose_name=_("乡镇（街道）"), on_delete=models.PROTECT,
                                 related_name="+")
    position = models.CharField(_("意见"), max_length=16, choices=CommentPosition.choices)
    text = models.TextField(_("具体意见"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填写人"), on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("乡镇意见")
        verbose_name_plural = _("乡镇意见")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "township"], name="admission_one_comment")]


class ArrivalStatus(models.TextChoices):
    UNREPORTED = "unreported", _("未反馈")
    ARRIVED = "arrived", _("已到位")
    PARTIAL = "partial", _("部分到位")
    MISSING = "missing", _("未到位")


class ResourceArrival(models.Model):
    """Per admitted duty, township and promised resource: did it arrive? Updated by the township."""

    resource = models.ForeignKey(AdmissionResource, verbose_name=_("资源"), on_delete=models.PROTECT,
                                 related_name="arrivals")
    township = models.ForeignKey("governance.Unit", verbose_name=_("乡镇（街道）"), on_delete=models.PROTECT,
                                 related_name="+")
    status = models.CharField(_("到位情况"), max_length=16, choices=ArrivalStatus.choices,
                              default=ArrivalStatus.UNREPORTED)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("更新人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("资源到位情况")
        verbose_name_plural = _("资源到位情况")
        ordering = ["resource", "township__sort_order", "township__code"]
        constraints = [models.UniqueConstraint(fields=["resource", "township"], name="admission_one_arrival")]


class AdmissionPlacement(models.Model):
    """Where an approval put the duty: a list and the draft version number, with the item code."""

    request = models.ForeignKey(AdmissionRequest, verbose_name=_("准入申请"), on_delete=models.PROTECT,
                                related_name="placements")
    duty_list = models.ForeignKey("responsibilities.DutyList", verbose_name=_("清单"), on_delete=models.PROTECT,
                                  related_name="+")
    version_number = models.PositiveIntegerField(_("版本号"))
    item_code = models.CharField(_("事项编码"), max_length=32)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("列入清单记录")
        verbose_name_plural = _("列入清单记录")
        ordering = ["created_at", "id"]


class AdmissionNumberCounter(models.Model):
    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class AdmissionEvent(models.Model):
    """The append-only audit trail of admission requests (like cases.CaseEvent): written explicitly by
    admission.services, UPDATE and DELETE refused by a database trigger (migration 0002)."""

    request = models.ForeignKey(AdmissionRequest, verbose_name=_("准入申请"), on_delete=models.PROTECT,
                                related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("操作人名称"), max_length=100)
    actor_unit = models.ForeignKey("governance.Unit", verbose_name=_("操作单位"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("动作"), max_length=64)
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, blank=True)
    reason = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("准入记录")
        verbose_name_plural = _("准入记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"])]

    def __str__(self):
        return f"{self.request_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("AdmissionEvent is append-only: an event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("AdmissionEvent is append-only: an event cannot be deleted.")

    @property
    def action_label(self):
        return EVENT_LABELS.get(self.action, self.action)


EVENT_LABELS = {
    "admission.created": _("创建草稿"),
    "admission.changed": _("修改申请"),
    "admission.attached": _("上传附件"),
    "admission.submitted": _("提交审查"),
    "admission.checked": _("记录审查意见"),
    "admission.consultation_opened": _("征求乡镇意见"),
    "admission.commented": _("乡镇反馈意见"),
    "admission.returned": _("退回修改"),
    "admission.rejected": _("不予准入"),
    "admission.approved": _("准入并列入清单草稿"),
    "admission.reminded": _("审查即将到期提醒"),
    "admission.escalated": _("审查超时，升级督办"),
    "admission.resource_reported": _("乡镇反馈资源到位情况"),
    "admission.renewal_due": _("进入期满复核"),
    "admission.renewed": _("复核续期"),
    "admission.retired": _("复核退出，拟移出清单"),
}
