from django.contrib import admin

from routing.models import DepartmentProfile, RoutingModel, Synonym


@admin.register(DepartmentProfile)
class DepartmentProfileAdmin(admin.ModelAdmin):
    list_display = ("unit", "dept_type", "updated_at")
    list_filter = ("dept_type",)
    search_fields = ("unit__name", "functions", "keywords")
    autocomplete_fields = ("unit",)


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ("term", "synonyms", "updated_at")
    search_fields = ("term", "synonyms")


@admin.register(RoutingModel)
class RoutingModelAdmin(admin.ModelAdmin):
    list_display = ("version", "examples", "trained_at")
    readonly_fields = ("version", "fingerprint", "examples", "trained_at")
    exclude = ("params",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
