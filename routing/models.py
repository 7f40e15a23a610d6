"""Routing data: department profiles with a fixed type taxonomy, the editors' synonym table, trained models.

governance.Unit stays free of routing concepts (governance imports no other app), so a department's routing
profile lives here, one row per department unit.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentType(models.TextChoices):
    """A fixed taxonomy of county departments, so figures compare across counties (bench/bench_routing.py maps
    it to the development data's coarser types)."""

    PUBLIC_SECURITY = "public_security", _("公安（含交警、派出所）")
    FIRE_RESCUE = "fire_rescue", _("消防救援")
    URBAN_MANAGEMENT = "urban_management", _("城市管理/综合行政执法")
    TRANSPORT = "transport", _("交通运输")
    NATURAL_RESOURCES = "natural_resources", _("自然资源和规划（含林业）")
    HOUSING = "housing", _("住房和城乡建设")
    MARKET = "market", _("市场监督管理（含物价）")
    ECOLOGY = "ecology", _("生态环境")
    WATER = "water", _("水利")
    EMERGENCY = "emergency", _("应急管理")
    HEALTH = "health", _("卫生健康")
    AGRICULTURE = "agriculture", _("农业农村")
    EDUCATION = "education", _("教育")
    HUMAN_RESOURCES = "human_resources", _("人力资源和社会保障")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    MEDICAL_INSURANCE = "medical_insurance", _("医疗保障")
    CULTURE_TOURISM = "culture_tourism", _("文化和旅游")
    COMMERCE = "commerce", _("商务")
    VETERANS = "veterans", _("退役军人事务")
    FINANCE = "finance", _("财政")
    UTILITIES = "utilities", _("供水供电等公用事业")
    OTHER = "other", _("其他")


class DepartmentProfile(models.Model):
    """A department's routing profile: its type and statutory functions (三定 duties in a few sentences)."""

    unit = models.OneToOneField(
        "governance.Unit", verbose_name=_("部门"), on_delete=models.CASCADE, related_name="routing_profile",
        limit_choices_to={"kind": "department"},
    )
    dept_type = models.CharField(_("部门类型"), max_length=24, choices=DepartmentType.choices)
    functions = models.TextField(
        _("法定职责"), help_text=_("用几句话写明本部门的主要职责（“三定”规定），用于判断事项归谁管"),
    )
    keywords = models.CharField(_("关键词"), max_length=500, blank=True, help_text=_("群众常用的说法，以逗号分隔"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("部门职责画像")
        verbose_name_plural = _("部门职责画像")
        ordering = ["unit__sort_order", "unit__code"]

    def __str__(self):
        return f"{self.unit} · {self.get_dept_type_display()}"


class Synonym(models.Model):
    """A group of words that mean the same to a resident and to the list (路面/道路, 户口/户籍)."""

    term = models.CharField(_("标准词"), max_length=50, unique=True, help_text=_("清单中使用的说法，例如“道路”"))
    synonyms = models.CharField(_("同义词"), max_length=500, help_text=_("群众的其他说法，以逗号或空格分隔，例如“路面，马路”"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("同义词")
        verbose_name_plural = _("同义词")
        ordering = ["term"]

    def __str__(self):
        return f"{self.term}：{self.synonyms}"

    def words(self):
        import re

        return [self.term, *[w for w in re.split(r"[,，、;；\s]+", self.synonyms or "") if w]]


class RoutingModel(models.Model):
    """A naive Bayes model trained on the county's own routing decisions (CaseEvent), versioned so each
    suggestion can say which model made it. Retrained by routing.tasks.retrain (idempotent: the same
    training data gives no new version)."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    fingerprint = models.CharField(_("训练数据指纹"), max_length=64, unique=True)
    examples = models.PositiveIntegerField(_("样本数"))
    params = models.JSONField(_("模型参数"), default=dict)
    trained_at = models.DateTimeField(_("训练时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("分拨学习模型")
        verbose_name_plural = _("分拨学习模型")
        ordering = ["-version"]

    def __str__(self):
        return f"v{self.version} ({self.examples})"


class PastDecision(models.Model):
    """A routing decision from before the platform (e.g. the 12345 hotline's history, imported once): the
    matter and who handled it. Learned from beside the platform's own CaseEvent decisions."""

    reference = models.CharField(_("原工单编号"), max_length=40, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("内容"), blank=True)
    department = models.ForeignKey(
        "governance.Unit", verbose_name=_("办理部门"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("留空表示由乡镇（街道）办理（属本级职责）"),
    )
    township = models.ForeignKey(
        "governance.Unit", verbose_name=_("所在乡镇（街道）"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_on = models.DateField(_("办理日期"))

    class Meta:
        verbose_name = _("历史分拨记录")
        verbose_name_plural = _("历史分拨记录")
        ordering = ["-decided_on", "reference"]

    def __str__(self):
        return f"{self.reference} {self.title}"


class ProfileEvent(models.Model):
    """Append-only record of department profile edits by list editors (the lists' ListEvent pattern; a profile
    belongs to no list, so it has its own log): who changed which fields of which department's profile, old and
    new. Written by routing.services.profile_update only; `delete()` raises."""

    unit = models.ForeignKey(
        "governance.Unit", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="routing_profile_events",
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=64)  # "profile.created" or "profile.changed"
    data = models.JSONField(_("详情"), default=dict, blank=True)  # {"changes": {field: [old, new]}}
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("部门职责画像修改记录")
        verbose_name_plural = _("部门职责画像修改记录")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.action} {self.unit_id}"

    def delete(self, *args, **kwargs):
        raise RuntimeError("ProfileEvent rows are append-only.")

    @property
    def action_label(self):
        return PROFILE_ACTION_LABELS.get(self.action, self.action)


PROFILE_ACTION_LABELS = {
    "profile.created": _("建立职责画像"),
    "profile.changed": _("修改职责画像"),
}
