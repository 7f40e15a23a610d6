"""Cases (案件/事项): the whistle-and-respond loop 发现问题 → 分类交办 → 协同解决 → 效果反馈.

The state lives in a protected FSMField; transitions (added on Case) only set fields on self.
Every write goes through cases.services, which locks the row, calls the transition, saves and
writes a CaseEvent in one transaction.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from cases import deadlines
from cases.choices import OPEN_STATES, CaseState, Channel, Rating, Stage, Urgency  # noqa: F401 - re-exported


def _is_unclaimed(case):
    return case.claimed_by_id is None


def _is_claimed(case):
    return case.claimed_by_id is not None


def _no_info_pending(case):
    return case.info_requested_at is None


def _info_pending(case):
    return case.info_requested_at is not None


class Case(ConcurrentTransitionMixin, models.Model):
    """A reported matter.

    What protects a transition from a concurrent one is the row lock: every service takes
    SELECT ... FOR UPDATE (cases.services._lock) and re-checks role and state on the fresh row.
    ConcurrentTransitionMixin only adds "the stored state is still the one I loaded" to the UPDATE,
    so it catches a save that bypassed the lock when the state differs; it cannot see a transition
    that keeps the state (claim, reassign, an information request: assigned → assigned), which the
    row lock alone serialises."""

    number = models.CharField(_("案件编号"), max_length=64, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("问题描述"))
    address = models.CharField(_("地点"), max_length=300)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    channel = models.CharField(_("来源"), max_length=16, choices=Channel.choices, default=Channel.STAFF)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)

    township = models.ForeignKey(
        "governance.Unit", verbose_name=_("上报乡镇（街道）"), on_delete=models.PROTECT, related_name="reported_cases",
        db_index=False,  # the (township, state) index serves it
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上报人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    # 群众点单: the resident who asked. Personal data: shown only to staff who need it, never over Open311 GET.
    resident_name = models.CharField(_("群众姓名"), max_length=50, blank=True)
    resident_phone = models.CharField(_("群众电话"), max_length=32, blank=True)

    state = FSMField(_("状态"), default=CaseState.REPORTED, choices=CaseState.choices, protected=True)

    # Triage result: the matched list item and who must act.
    list_item = models.ForeignKey(
        "responsibilities.ListItem", verbose_name=_("匹配清单事项"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="cases",
    )
    item_kind = models.CharField(_("事项类别"), max_length=16, blank=True)  # copied from list_item at triage
    triage_note = models.TextField(_("研判意见"), blank=True)
    lead_department = models.ForeignKey(
        "governance.Unit", verbose_name=_("牵头部门"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="lead_cases", db_index=False,  # the (lead_department, state) index serves it
    )
    assisting_departments = models.ManyToManyField(
        "governance.Unit", verbose_name=_("协同部门"), blank=True, related_name="assisting_cases"
    )
    dispatch_centre = models.ForeignKey(
        "governance.Unit", verbose_name=_("分拨中心"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="dispatched_cases",
    )

    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签收人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="claimed_cases",
    )
    claimed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="resolved_cases",
    )
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolution_note = models.TextField(_("办理结果"), blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)

    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True)
    feedback_comment = models.TextField(_("评价意见"), blank=True)
    feedback_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    # Information requested from the reporter (补充材料): the case keeps its state; its clock pauses.
    info_requested_at = models.DateTimeField(_("补充材料请求时间"), null=True, blank=True)
    info_request_text = models.TextField(_("需补充的内容"), blank=True)
    info_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("补充材料请求人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set when a case is reopened for the second time (重办两次): it goes to the supervisors' attention.
    flagged_at = models.DateTimeField(_("转督办时间"), null=True, blank=True)

    # --- Deadlines (时限). `due_at` is the running stage's deadline and the one the sweep reads;
    # the per-stage columns keep each stage's deadline for display and assessment.
    stage = models.CharField(_("当前环节"), max_length=16, choices=Stage.choices, default=Stage.TRIAGE)
    stage_started_at = models.DateTimeField(_("环节开始时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("当前时限"), null=True, blank=True)
    triage_due_at = models.DateTimeField(_("研判时限"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("签收时限"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    feedback_due_at = models.DateTimeField(_("反馈时限"), null=True, blank=True)
    paused_at = models.DateTimeField(_("计时暂停于"), null=True, blank=True)
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    warned_at = models.DateTimeField(_("已预警时间"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    escalated_at = models.DateTimeField(_("最近升级时间"), null=True, blank=True)
    next_escalation_at = models.DateTimeField(_("下次升级时间"), null=True, blank=True)

    created_at = models.DateTimeField(_("上报时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    triaged_at = models.DateTimeField(_("研判时间"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Open cases with a running deadline (the "overdue" filters, cases.deadlines.overdue_q).
            models.Index(fields=["due_at"], condition=Q(state__in=OPEN_STATES), name="case_open_due_at"),
            # The deadline sweep's three steps.
            # Each holds exactly the rows one step of the sweep may take, in the order it takes them
            # (cases.escalation: ORDER BY <time>, id LIMIT batch), so a batch reads only its own rows
            # and a row leaves the index when it is escalated or warned.
            models.Index(fields=["due_at", "id"], condition=Q(state__in=OPEN_STATES, paused_at__isnull=True,
                                                               escalation_level=0), name="case_sweep_first_esc"),
            models.Index(fields=["next_escalation_at", "id"], condition=Q(state__in=OPEN_STATES, paused_at__isnull=True,
                                                                           escalation_level__gt=0),
                         name="case_open_next_esc"),
            models.Index(fields=["warn_at", "id"], condition=Q(state__in=OPEN_STATES, warned_at__isnull=True,
                                                                paused_at__isnull=True), name="case_open_warn_at"),
            # Every index is paid for by each report and each transition that changes its columns: the
            # (township, state) and (lead_department, state) pairs also serve lookups of their first column,
            # and `state` has a plain btree only (it is never matched with LIKE).
            models.Index(fields=["state"], name="case_state"),
            models.Index(fields=["township", "state"]),
            models.Index(fields=["lead_department", "state"]),
            # The supervision page's segments (cases.selectors.supervision_segments): the open cases never
            # reopened nor flagged, in the page's order; the few other open ones; finished ones that were
            # reopened or kept a deadline. Finished first-time cases come from the created_at index.
            models.Index(fields=["due_at", "-created_at", "-id"], name="case_supervision_open",
                         condition=Q(state__in=OPEN_STATES, flagged_at__isnull=True, reopen_count=0)),
            models.Index(fields=["-reopen_count", "due_at", "-created_at", "-id"], name="case_supervision_open_rare",
                         condition=Q(state__in=OPEN_STATES) & (Q(flagged_at__isnull=False) | Q(reopen_count__gt=0)
                                                               | Q(paused_at__isnull=False))),
            models.Index(fields=["-reopen_count", "due_at", "-created_at", "-id"], name="case_supervision_closed_rare",
                         condition=~Q(state__in=OPEN_STATES) & (Q(reopen_count__gt=0) | Q(due_at__isnull=False))),
        ]
        # The text search's trigram indexes (PostgreSQL only) are in migration 0010_province_indexes.

    def __str__(self):
        return f"{self.number} {self.title}"

    # --- Transitions. Bodies only set fields on self; cases.services saves and audits. -------------

    def open_clock(self, now):
        """A new report: the dispatch centre's triage clock starts (not a transition: the row is new)."""
        deadlines.enter_stage(self, Stage.TRIAGE, now)

    # Field resets shared by several transitions (they only set fields on self, like the transitions).
    def _clear_claim(self):
        self.claimed_by = None
        self.claimed_at = None

    def _clear_info_request(self):
        self.info_requested_at = None
        self.info_request_text = ""
        self.info_requested_by = None

    @transition(field=state, source=CaseState.REPORTED, target=CaseState.TRIAGED)
    def triage(self, *, now, note=""):
        # The triage clock keeps running from the report: taking a case up does not buy time.
        self.triaged_at = now
        if note:
            self.triage_note = note

    @transition(field=state, source=CaseState.REPORTED, target=CaseState.WITHDRAWN)
    def withdraw(self, *, now):
        self.closed_at = now
        deadlines.stop_clock(self)

    @transition(field=state, source=[CaseState.REPORTED, CaseState.TRIAGED], target=CaseState.RETURNED)
    def return_to_township(self, *, now, list_item, reason):
        self.list_item = list_item
        self.item_kind = list_item.kind
        self.return_reason = reason
        self.triaged_at = self.triaged_at or now
        self.closed_at = now
        self._clear_info_request()
        deadlines.stop_clock(self)

    @transition(field=state, source=CaseState.RETURNED, target=CaseState.TRIAGED)
    def refuse_unadmitted(self, *, now):
        """未经准入: the township refuses a returned duty that was never admitted; the dispatch centre has
        a fresh triage clock to place it elsewhere."""
        from cases import deadlines

        self.closed_at = None
        deadlines.enter_stage(self, Stage.TRIAGE, now)

    @transition(field=state, source=[CaseState.REPORTED, CaseState.TRIAGED], target=CaseState.ASSIGNED)
    def assign(self, *, now, list_item, lead_department, dispatch_centre=None, note=""):
        self.list_item = list_item
        self.item_kind = list_item.kind
        self.lead_department = lead_department
        self.dispatch_centre = dispatch_centre or self.dispatch_centre
        if note:
            self.triage_note = note
        self.triaged_at = self.triaged_at or now
        self.assigned_at = now
        self._clear_claim()
        self._clear_info_request()
        deadlines.enter_stage(self, Stage.RESPONSE, now)

    @transition(field=state, source=CaseState.ASSIGNED, target=CaseState.ASSIGNED, conditions=[_is_unclaimed])
    def claim(self, *, now, officer):
        """签收/报到: the response clock stops, the resolution clock starts."""
        self.claimed_by = officer
        self.claimed_at = now
        deadlines.enter_stage(self, Stage.RESOLUTION, now)

    @transition(field=state, source=CaseState.ASSIGNED, target=CaseState.TRIAGED)
    def decline(self, *, now):
        """Not ours: back to the dispatch centre, which has a fresh triage clock."""
        self.lead_department = None
        self._clear_claim()
        self._clear_info_request()
        deadlines.enter_stage(self, Stage.TRIAGE, now)

    @transition(field=state, source=CaseState.ASSIGNED, target=CaseState.ASSIGNED)
    def reassign(self, *, now, lead_department, list_item=None):
        if list_item is not None:
            self.list_item = list_item
            self.item_kind = list_item.kind
        self.lead_department = lead_department
        self.assigned_at = now
        self._clear_claim()
        self._clear_info_request()
        deadlines.enter_stage(self, Stage.RESPONSE, now)

    @transition(field=state, source=CaseState.ASSIGNED, target=CaseState.RESOLVED, conditions=[_is_claimed])
    def resolve(self, *, now, officer, note):
        self.resolved_by = officer
        self.resolved_at = now
        self.resolution_note = note
        self._clear_info_request()
        deadlines.enter_stage(self, Stage.FEEDBACK, now)

    @transition(
        field=state, source=CaseState.RESOLVED,
        target=RETURN_VALUE(CaseState.CLOSED, CaseState.ASSIGNED),
    )
    def give_feedback(self, *, now, rating, comment=""):
        """满意/基本满意 closes the case; 不满意 reopens it to the same department (重办).
        The second reopening flags it for the supervisors."""
        self.rating = rating
        self.feedback_comment = comment
        self.feedback_at = now
        if rating == Rating.UNSATISFIED:
            self.reopen_count += 1
            if self.reopen_count >= 2 and self.flagged_at is None:
                self.flagged_at = now
            # The same officer who claimed it redoes it: the resolution clock starts again.
            self.resolved_at = None
            self.resolved_by = None
            deadlines.enter_stage(self, Stage.RESOLUTION, now)
            return CaseState.ASSIGNED
        self.closed_at = now
        deadlines.stop_clock(self)
        return CaseState.CLOSED

    @transition(
        field=state, source=[CaseState.REPORTED, CaseState.TRIAGED, CaseState.ASSIGNED], target=None,
        conditions=[_no_info_pending],
    )
    def request_info(self, *, now, question, requested_by):
        """补充材料: the case keeps its state and place; its clock pauses until the answer."""
        self.info_requested_at = now
        self.info_request_text = question
        self.info_requested_by = requested_by
        deadlines.pause(self, now)

    @transition(
        field=state, source=[CaseState.REPORTED, CaseState.TRIAGED, CaseState.ASSIGNED], target=None,
        conditions=[_info_pending],
    )
    def answer_info(self, *, now):
        self._clear_info_request()
        deadlines.resume(self, now)

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def info_pending(self):
        return self.info_requested_at is not None


class CaseEvent(models.Model):
    """The append-only audit trail. Written explicitly by services, never by signals.

    UPDATE and DELETE are refused by a database trigger as well as by delete()/save() here.
    """

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人名称"), max_length=100)  # "系统" for automatic steps
    actor_unit = models.ForeignKey(
        "governance.Unit", verbose_name=_("操作单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=64)  # dotted, e.g. "case.claimed"
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, blank=True)
    reason = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # Set by a database trigger (config.db_roles): this row's SHA-256 chained to the previous one's.
    prev_hash = models.CharField(_("前一记录哈希"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("记录哈希"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"]), models.Index(fields=["action", "created_at"])]

    def __str__(self):
        return f"{self.case_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("CaseEvent is append-only: an event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("CaseEvent is append-only: an event cannot be deleted.")


class Attachment(models.Model):
    class Purpose(models.TextChoices):
        REPORT = "report", _("上报照片")
        RESOLUTION = "resolution", _("办结照片")
        INFO = "info", _("补充材料")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="attachments")
    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices, default=Purpose.REPORT)
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at", "id"]


class ExtensionRequest(models.Model):
    """延期申请: an officer asks to move the running deadline; a dispatcher or supervisor decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="extensions")
    stage = models.CharField(_("环节"), max_length=16, choices=Stage.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("申请理由"))
    requested_due_at = models.DateTimeField(_("申请延至"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending"), name="extension_one_pending"),
        ]


class CaseNumberCounter(models.Model):
    """One counter per county and year for human-readable numbers (SZ-SFX-2026-000123).

    cases.services takes the next number with one upsert, the last write before the report's
    notifications, so two counties never wait on each other and one county's reports wait on each
    other only for the rest of that commit. The number is taken inside the report's transaction: a
    report that rolls back gives its number back, so numbers have no gaps.
    """

    county = models.ForeignKey(
        "governance.Unit", verbose_name=_("县（区）"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField(_("年度"))
    code = models.CharField(_("县（区）编码"), max_length=32)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("事项编号计数器")
        verbose_name_plural = _("事项编号计数器")
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="case_number_counter_county_year")]


class SavedSearch(models.Model):
    """A user's saved case search (案件查询): a name and the search page's query string."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="saved_case_searches")
    name = models.CharField(_("名称"), max_length=60)
    query = models.CharField(_("查询条件"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("保存时间"), auto_now=True)

    class Meta:
        verbose_name = _("保存的查询")
        verbose_name_plural = _("保存的查询")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_search_unique_name")]

    def __str__(self):
        return self.name


class ResidentDataAccess(models.Model):
    """The log of every view of a resident's unmasked name and phone (PIPL 个人信息保护法 §51, 55):
    who, when, which case, through which channel. Written only by cases.privacy; append-only like
    CaseEvent (a database trigger refuses UPDATE and DELETE; the runtime role holds INSERT and SELECT
    only, config.db_roles.APPEND_ONLY_TABLES)."""

    class Channel(models.TextChoices):
        PAGE = "page", _("办理页面")
        API = "api", _("接口")
        ACCESS_REQUEST = "access_request", _("个人信息查阅导出")

    case = models.ForeignKey(Case, verbose_name=_("案件"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="resident_accesses")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查看人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("查看人名称"), max_length=100)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("群众个人信息查看记录")
        verbose_name_plural = _("群众个人信息查看记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self):
        return f"{self.case_id} {self.channel} {self.actor_name}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("ResidentDataAccess is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("ResidentDataAccess is append-only.")
