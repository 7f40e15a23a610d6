"""Responsibility lists (责任清单) and negative lists (负面清单), versioned and published.

A DutyList is a scope (a level within a jurisdiction, optionally tailored for one unit); its
ListVersions go draft -> published -> superseded; a published version never changes (enforced
in responsibilities.services and by database triggers on ListItem/ListVersion).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.models import Level


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
