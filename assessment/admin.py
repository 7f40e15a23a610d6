"""Read-only admin views of the assessment record: every change goes through assessment.services."""

from django.contrib import admin

from assessment.models import AssessmentEvent, ExemptionRequest, MonthClose, ScoreFormula
from governance.admin_mixins import ReadOnlyMixin


@admin.register(ExemptionRequest)
class ExemptionRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("case", "body", "reason", "status", "due_at", "decided_at")
    list_filter = ("status", "reason")
    search_fields = ("case__number", "body__name")
    list_select_related = ("case", "body")


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "county", "actor_name", "action", "subject")
    list_filter = ("action",)
    list_select_related = ("county",)


@admin.register(ScoreFormula)
class ScoreFormulaAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("county", "version", "created_at", "note")


@admin.register(MonthClose)
class MonthCloseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("county", "month", "formula", "closed_by", "closed_at")
    exclude = ("snapshot",)
