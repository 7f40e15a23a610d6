"""Insights (堵点): what the case evidence says about the lists, stored per county and period.

- Finding   one detector's conclusion about one subject (a list item, or a list item and a department) in one
            county and period: its weight, a plain sentence of what it suggests and its evidence (case ids and
            counts). Derived data: insights.services.findings_compute rewrites a period's findings (upsert on
            county, period, detector, subject), so recomputing is idempotent.

Reads cases, responsibilities and governance from outside; neither of them knows this app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
