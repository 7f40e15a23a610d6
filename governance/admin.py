from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from governance import services
from governance.models import ApiClientKey, CalendarDay, CalendarYear, JobHeartbeat, Membership, Notification, Unit

User = get_user_model()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["unit"]
    fields = ["unit", "role", "title", "is_active"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "kind", "parent", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["parent"]
    ordering = ["path"]
    fields = ["name", "short_name", "code", "level", "kind", "parent", "email", "sort_order", "is_active"]

    def save_model(self, request, obj, form, change):
        # The materialised path is maintained by the services only.
        data = {f: form.cleaned_data[f] for f in form.changed_data}
        if change:
            original = Unit.objects.get(pk=obj.pk)
            services.unit_update(unit=original, **data)
            obj.refresh_from_db()
        else:
            created = services.unit_create(
                **{f: form.cleaned_data[f] for f in ["code", "name", "level", "kind", "parent", "short_name", "email", "sort_order"]}
            )
            obj.pk = created.pk
            obj.refresh_from_db()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "title", "is_active", "created_at"]
    list_filter = ["role", "is_active", "unit__level"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "email", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    search_fields = ["username", "first_name", "last_name", "email"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "created_at"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(ApiClientKey)
class ApiClientKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "key_prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    autocomplete_fields = ["unit"]


@admin.register(JobHeartbeat)
class JobHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "last_started_at", "last_finished_at"]
    readonly_fields = ["name", "last_started_at", "last_finished_at", "last_result"]

    def has_add_permission(self, request):
        return False


admin.site.empty_value_display = _("（无）")
