"""Admin for lists, versions, items and the audit log: read-mostly.

Lists are created, edited, imported and published in the editor pages (/lists/edit/), which go
through responsibilities.services and leave an audit trail. Here an administrator may correct an item
of a draft (through the same service); published and superseded versions are read-only, and the
database triggers refuse a change even if this class were bypassed.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from governance.admin_mixins import ReadOnlyMixin
from responsibilities import services
from responsibilities.exceptions import ListError
from responsibilities.models import DutyList, ListEvent, ListItem, ListVersion, VersionStatus


@admin.register(DutyList)
class DutyListAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "code", "level", "jurisdiction", "unit", "created_at"]
    list_filter = ["level"]
    search_fields = ["name", "code"]


class ListItemInline(ReadOnlyMixin, admin.TabularInline):
    model = ListItem
    fields = ["code", "title", "kind", "category", "department", "response_hours", "resolution_days"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(ListVersion)
class ListVersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["duty_list", "number", "status", "effective_date", "published_at", "published_by"]
    list_filter = ["status", "duty_list"]
    inlines = [ListItemInline]


@admin.register(ListItem)
class ListItemAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "kind", "category", "department", "version"]
    list_filter = ["kind", "category", "version__status", "version__duty_list"]
    search_fields = ["code", "title", "keywords"]
    list_select_related = ["department", "version__duty_list"]
    fields = services.ITEM_FIELDS
    autocomplete_fields = ["department"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Only items of a draft; published versions are immutable.
        if obj is not None and obj.version.status != VersionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None or obj.version.status != VersionStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would bypass the service and its audit event
        return actions

    def save_model(self, request, obj, form, change):
        original = ListItem.objects.select_related("version__duty_list").get(pk=obj.pk)
        try:
            services.list_item_update(
                item=original, actor=request.user, **{name: form.cleaned_data[name] for name in form.changed_data}
            )
        except (ListError, ValidationError) as exc:
            self.message_user(request, getattr(exc, "message", None) or "; ".join(exc.messages), messages.ERROR)

    def delete_model(self, request, obj):
        try:
            services.list_item_remove(item=obj, actor=request.user)
        except ListError as exc:
            self.message_user(request, exc.message, messages.ERROR)


@admin.register(ListEvent)
class ListEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "duty_list", "version_number", "actor", "action", "item_code"]
    list_filter = ["action", "duty_list"]
    search_fields = ["item_code", "actor__username"]
    readonly_fields = [f.name for f in ListEvent._meta.fields]
    date_hierarchy = "created_at"
    verbose_name = _("清单操作记录")
