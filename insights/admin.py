from django.contrib import admin

from insights.models import CountyThresholds, Finding


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["detector", "item_title", "unit", "county", "period_start", "weight", "computed_at"]
    list_filter = ["detector", "period_start"]
    search_fields = ["item_code", "item_title", "summary"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CountyThresholds)
class CountyThresholdsAdmin(admin.ModelAdmin):
    list_display = ["county", "values", "updated_by", "updated_at"]
    raw_id_fields = ["county", "updated_by"]
