"""Responsibility lists (责任清单) and negative lists (负面清单), versioned and published.

A DutyList is a scope (a level within a jurisdiction, optionally tailored for one unit); its
ListVersions go draft -> published -> superseded; a published version never changes (enforced
in responsibilities.services and by database triggers on ListItem/ListVersion).
"""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.models import Level

# Stable item codes appear in permalinks (/lists/<list>/v/<n>/items/<code>/) and in spreadsheets.
ITEM_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class ItemKind(models.TextChoices):
    BASIC = "basic", _("基本履职事项")
    ASSISTING = "assisting", _("配合履职事项")
    NEGATIVE = "negative", _("上级部门收回事项（负面清单）")


class Category(models.TextChoices):
    """The four platforms of grassroots governance (基层治理四平台)."""

    GOVERNANCE = "governance", _("综治工作")
    MARKET = "market", _("市场监管")
    ENFORCEMENT = "enforcement", _("综合执法")
    SERVICE = "service", _("便民服务")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("现行有效")
    SUPERSEDED = "superseded", _("已被替代")


class DutyList(models.Model):
    code = models.SlugField(_("清单编码"), max_length=64, unique=True, help_text=_("用于固定链接，例如 sfx-township"))
    name = models.CharField(_("清单名称"), max_length=200)
    level = models.CharField(_("适用层级"), max_length=16, choices=Level.choices)
    jurisdiction = models.ForeignKey(
        "governance.Unit",
        verbose_name=_("制定辖区"),
        on_delete=models.PROTECT,
        related_name="duty_lists",
        help_text=_("制定并公布清单的政府，例如示范县"),
    )
    unit = models.ForeignKey(
        "governance.Unit",
        verbose_name=_("适用单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tailored_duty_lists",
        help_text=_("留空表示适用于该辖区内本层级的所有单位；填写则为单个乡镇（街道）定制"),
    )
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("责任清单")
        verbose_name_plural = _("责任清单")
        ordering = ["jurisdiction__path", "level", "code"]

    def __str__(self):
        return self.name


class ListVersion(models.Model):
    duty_list = models.ForeignKey(DutyList, verbose_name=_("清单"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    based_on = models.ForeignKey(
        "self", verbose_name=_("基于版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    change_note = models.TextField(_("修订说明"), blank=True)
    effective_date = models.DateField(_("生效日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    superseded_at = models.DateTimeField(_("替代时间"), null=True, blank=True)
    # References of the revision proposals (修订建议, e.g. "RP-2026-0003") whose changes this draft carries, in
    # the order applied. Set only by services.list_draft_apply_change; list_publish cites them in the change
    # note. Plain strings: the app that keeps the proposals (insights) is not known here.
    carried_refs = models.JSONField(_("所依据的修订建议"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("清单版本")
        verbose_name_plural = _("清单版本")
        ordering = ["duty_list", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["duty_list", "number"], name="listversion_unique_number"),
            # At most one current published version and one open draft per list.
            models.UniqueConstraint(
                fields=["duty_list"], condition=Q(status="published"), name="listversion_one_published"
            ),
            models.UniqueConstraint(fields=["duty_list"], condition=Q(status="draft"), name="listversion_one_draft"),
        ]

    def __str__(self):
        return f"{self.duty_list} v{self.number}"

    @property
    def is_editable(self):
        return self.status == VersionStatus.DRAFT

    @property
    def is_upcoming(self):
        """Published with an effective date still to come: shown as 即将生效 (not in force yet, see
        selectors.versions_in_force)."""
        from django.utils import timezone

        return (self.status == VersionStatus.PUBLISHED and self.effective_date is not None
                and self.effective_date > timezone.localdate())

    def public_status_label(self):
        return _("即将生效") if self.is_upcoming else self.get_status_display()


class ListItem(models.Model):
    version = models.ForeignKey(ListVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("事项编码"), max_length=32, help_text=_("跨版本保持不变，用于追溯事项的历史"))
    title = models.CharField(_("事项名称"), max_length=300)
    description = models.TextField(_("事项内容"), blank=True)
    legal_basis = models.TextField(_("法律（政策）依据"), blank=True)
    kind = models.CharField(_("事项类别"), max_length=16, choices=ItemKind.choices)
    category = models.CharField(_("四平台分类"), max_length=16, choices=Category.choices)
    department = models.ForeignKey(
        "governance.Unit",
        verbose_name=_("牵头/责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="list_items",
        help_text=_("配合履职事项和负面清单事项必填"),
    )
    response_hours = models.PositiveIntegerField(_("响应时限（小时）"), null=True, blank=True)
    resolution_days = models.PositiveIntegerField(_("办结时限（工作日）"), null=True, blank=True)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True, help_text=_("以逗号或空格分隔"))
    position = models.PositiveIntegerField(_("排序"), default=0)
    # The admission record (职责准入) that put this duty on the list, e.g. "ZR-2026-0003"; empty for items
    # entered directly by an editor. Set only by services.list_item_add_admitted; copied into new drafts.
    admission_ref = models.CharField(_("准入编号"), max_length=32, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")
        ordering = ["version", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="listitem_unique_code_per_version"),
            models.CheckConstraint(
                condition=Q(kind="basic") | Q(department__isnull=False), name="listitem_department_required"
            ),
        ]
        indexes = [models.Index(fields=["code"])]

    def __str__(self):
        return f"{self.code} {self.title}"

    def clean(self):
        """Rules of a single item, in Chinese for the editor (services and forms both call full_clean)."""
        from django.core.exceptions import ValidationError

        from governance.models import UnitKind

        errors = {}
        if self.code and not ITEM_CODE_RE.match(self.code):
            errors["code"] = _("事项编码只能包含字母、数字、连字符（-）、下划线和点，且以字母或数字开头。")
        if self.kind in (ItemKind.ASSISTING, ItemKind.NEGATIVE) and not self.department_id:
            errors["department"] = _("配合履职事项和负面清单事项必须填写牵头/责任部门。")
        elif self.department_id and self.department.kind != UnitKind.DEPARTMENT:
            errors["department"] = _("牵头/责任部门必须是职能部门。")
        if self.response_hours is not None and not 1 <= self.response_hours <= 720:
            errors["response_hours"] = _("响应时限应在 1 到 720 小时之间。")
        if self.resolution_days is not None and not 1 <= self.resolution_days <= 365:
            errors["resolution_days"] = _("办结时限应在 1 到 365 个工作日之间。")
        if errors:
            raise ValidationError(errors)

    def keyword_list(self):
        return [k for k in re.split(r"[,，、;；\s]+", self.keywords or "") if k]


class ListEvent(models.Model):
    """Append-only audit log of list editing: who created, edited, imported, published what and when.

    Written explicitly by each function in responsibilities.services (never from signals). Rows are
    never changed or deleted: `delete()` raises here and database triggers refuse UPDATE/DELETE.
    The version is recorded by number, not by foreign key, so a discarded draft leaves its history.
    """

    duty_list = models.ForeignKey(DutyList, verbose_name=_("清单"), on_delete=models.PROTECT, related_name="events")
    version_number = models.PositiveIntegerField(_("版本号"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=64)  # dotted, e.g. "version.published"
    item_code = models.CharField(_("事项编码"), max_length=32, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # Set by a database trigger (config.db_roles): this row's SHA-256 chained to the previous one's.
    prev_hash = models.CharField(_("前一记录哈希"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("记录哈希"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("清单操作记录")
        verbose_name_plural = _("清单操作记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["duty_list", "created_at"])]

    def __str__(self):
        return f"{self.action} {self.duty_list_id} v{self.version_number} {self.item_code}"

    def delete(self, *args, **kwargs):
        raise RuntimeError("ListEvent rows are append-only.")

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)


ACTION_LABELS = {
    "list.created": _("创建清单"),
    "version.draft_started": _("新建草稿"),
    "version.draft_discarded": _("删除草稿"),
    "version.imported": _("批量导入"),
    "version.reordered": _("调整顺序"),
    "version.published": _("发布版本"),
    "item.added": _("添加事项"),
    "item.changed": _("修改事项"),
    "item.removed": _("删除事项"),
    "item.moved": _("移动事项"),
}


class ImportJobStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    READING = "reading", _("正在读取文件")
    VALIDATING = "validating", _("正在检查")
    NEEDS_CHOICE = "needs_choice", _("有错误行，待选择")
    APPLYING = "applying", _("正在导入")
    IMPORTED = "imported", _("已导入")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """A spreadsheet import run in the background (responsibilities.tasks.import_job_run).

    The upload is checked in the request (size, type, zip expansion, columns) and kept here, so the
    worker reads it from the database whatever the broker (Redis or the embedded filesystem one). The
    task records its progress and each row error in this row as it goes: the job page and its JSON
    endpoint read only this table, never the Celery result backend. The import itself is
    responsibilities.services.list_import, the same service as before jobs existed.
    """

    version = models.ForeignKey(ListVersion, verbose_name=_("草稿"), on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(_("文件名"), max_length=255)
    content = models.BinaryField(_("文件内容"), editable=False)  # emptied once the job is finished
    mode = models.CharField(_("导入方式"), max_length=16, default="merge")
    valid_only = models.BooleanField(_("仍导入有效行"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=ImportJobStatus.choices, default=ImportJobStatus.PENDING)
    rows_total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    rows_processed = models.PositiveIntegerField(_("已处理行数"), default=0)
    valid_count = models.PositiveIntegerField(_("有效行数"), default=0)
    # [{"row", "code", "title", "errors": [...]}], appended while the rows are checked.
    row_errors = models.JSONField(_("错误行"), default=list, blank=True)
    result = models.JSONField(_("导入结果"), default=dict, blank=True)  # created/updated/removed/skipped
    error = models.TextField(_("失败原因"), blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("清单导入任务")
        verbose_name_plural = _("清单导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.filename} ({self.status})"

    @property
    def is_running(self):
        return self.status in (
            ImportJobStatus.PENDING, ImportJobStatus.READING, ImportJobStatus.VALIDATING, ImportJobStatus.APPLYING,
        )

    @property
    def percent(self):
        if self.status == ImportJobStatus.IMPORTED or self.status == ImportJobStatus.NEEDS_CHOICE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_processed / self.rows_total))
