"""Levels, units, people's roles, in-app notifications, the working-day calendar and job heartbeats."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The chain of government levels, top to bottom (层级分工). Escalation climbs it."""

    CENTRAL = "central", _("中央")
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")


LEVEL_ORDER = [Level.CENTRAL, Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", _("党委政府")
    DEPARTMENT = "department", _("职能部门")
    DISPATCH = "dispatch", _("指挥调度中心")
    VILLAGE_COMMITTEE = "village_committee", _("村（居）民委员会")


class Unit(models.Model):
    """A body of government in the tree: a county under a city, townships and departments under a county.

    `path` is a materialised path of ids ("/1/4/17/"), maintained only by
    governance.services.unit_create/unit_update. Supervisor visibility (a unit's subtree) and
    escalation (a unit's ancestors) are both served by it without recursive queries.
    """

    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=24, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True, default="")
    email = models.EmailField(_("单位邮箱"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    # Residents (常住人口), for per-10,000 figures in assessment; empty when unknown.
    population = models.PositiveIntegerField(_("常住人口"), null=True, blank=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path", "sort_order", "code"]
        indexes = [models.Index(fields=["level", "kind"])]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The one name people read for this unit, everywhere: pages, routing answers, the API's `*_name`
        fields, notifications and emails, exports, audit data (issue 14: one department, one name). The short
        name when set (县市场监管局), else the full name. The full official name stays in `name` (the admin,
        the units API's `name`)."""
        return self.short_name or self.name

    @property
    def is_department(self):
        return self.kind == UnitKind.DEPARTMENT

    @property
    def is_township(self):
        return self.level == Level.TOWNSHIP and self.kind == UnitKind.GOVERNMENT

    def ancestor_ids(self):
        """Ids from the root down to the parent (excluding self), from the materialised path."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def jurisdiction(self):
        """The government unit this unit belongs to: itself if it is a government, else the nearest
        government ancestor (示范县市场监督管理局 -> 示范县)."""
        if self.kind == UnitKind.GOVERNMENT:
            return self
        ancestors = {u.pk: u for u in Unit.objects.filter(pk__in=self.ancestor_ids())}
        for pk in reversed(self.ancestor_ids()):
            if ancestors[pk].kind == UnitKind.GOVERNMENT:
                return ancestors[pk]
        return None


class Role(models.TextChoices):
    REPORTER = "reporter", _("上报人员（乡镇/街道）")
    DISPATCHER = "dispatcher", _("分拨调度员（指挥中心）")
    OFFICER = "officer", _("部门办理人员")
    SUPERVISOR = "supervisor", _("督办领导")
    EDITOR = "editor", _("清单编辑")
    ASSESSOR = "assessor", _("考核人员（考核办）")
    ADMISSION_REVIEWER = "admission_reviewer", _("职责准入审查")


class Membership(models.Model):
    """A person's role in a unit. A user may hold several (e.g. officer of two departments)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role")]
        indexes = [models.Index(fields=["unit", "role", "is_active"])]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class Notification(models.Model):
    """An in-app notification (站内通知), and the outbox row of its email copy.

    `dedupe_key` makes re-sending idempotent: the deadline sweep may try to notify the same
    escalation again after a crash, and the unique key turns the second attempt into a no-op.

    Email outbox (governance.outbox): a row written with `email_pending` in the same transaction as
    the change it reports is an email that must go out. The periodic task claims pending rows (a
    lease in `email_lease_until`, taken with SKIP LOCKED), sends them and clears `email_pending`
    while setting `emailed_at`; the broker only speeds this up, it is never the record.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=64)  # dotted, e.g. "case.assigned"
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    subject = models.CharField(_("对象"), max_length=64, blank=True, db_index=True)  # e.g. "case:123"
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    email_pending = models.BooleanField(_("邮件待发送"), default=False, db_default=False)
    email_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    email_attempts = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"], condition=models.Q(read_at__isnull=True), name="notification_unread"
            ),
            # The email outbox: only the rows still to send, oldest first.
            models.Index(fields=["id"], condition=models.Q(email_pending=True), name="notification_email_outbox"),
        ]

    def __str__(self):
        return self.title


class CalendarYear(models.Model):
    """A year whose official holiday schedule (国务院办公厅放假安排) has been entered.

    Working-day arithmetic in a year without a row here falls back to Monday–Friday, and the
    admin warns about it.
    """

    year = models.PositiveIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("节假日安排年度")
        verbose_name_plural = _("节假日安排年度")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a public holiday on a weekday, or a weekend day worked in exchange (调休补班)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否上班"))
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class ApiClientKey(models.Model):
    """A key issued to a township for Open311 clients (e.g. a 12345 hotline system).

    Only a SHA-256 digest is stored; the clear key is shown once when it is created.
    """

    name = models.CharField(_("客户端名称"), max_length=100)
    unit = models.ForeignKey(Unit, verbose_name=_("所属乡镇"), on_delete=models.PROTECT, related_name="api_keys")
    key_prefix = models.CharField(_("密钥前缀"), max_length=12, editable=False)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 接入密钥")
        verbose_name_plural = _("Open311 接入密钥")

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"


class JobHeartbeat(models.Model):
    """When a periodic job last ran; /healthz reads it to show whether worker and beat are alive."""

    name = models.CharField(max_length=64, primary_key=True)
    last_started_at = models.DateTimeField(null=True)
    last_finished_at = models.DateTimeField(null=True)
    last_result = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("定时任务心跳")
        verbose_name_plural = _("定时任务心跳")

    def __str__(self):
        return self.name
