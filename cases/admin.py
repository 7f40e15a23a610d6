"""Admin for cases: read-only. Every change of a case goes through cases.services (the case pages and
the API); the admin is for looking things up, so it offers no add, change or delete, and no action
that would bypass the state machine or the audit log."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.models import Attachment, Case, CaseEvent, ExtensionRequest
from cases.open311 import admin as open311_admin  # noqa: F401 - registers the Open311 key admin
from governance.admin_mixins import ReadOnlyMixin


class CaseEventInline(ReadOnlyMixin, admin.TabularInline):
    model = CaseEvent
    fields = ["created_at", "action", "actor_name", "actor_unit", "from_state", "to_state", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


class AttachmentInline(ReadOnlyMixin, admin.TabularInline):
    model = Attachment
    fields = ["purpose", "original_name", "content_type", "size", "uploaded_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "title", "state", "township", "lead_department", "stage", "due_at", "reopen_count",
                    "created_at"]
    list_filter = ["state", "stage", "urgency", "channel", "township", "lead_department"]
    search_fields = ["number", "title", "address"]
    date_hierarchy = "created_at"
    list_select_related = ["township", "lead_department"]
    readonly_fields = ["case_page"]
    # Residents' personal data is shown only by cases.privacy (logged); administrators use the access-request export.
    exclude = ["resident_name", "resident_phone"]
    inlines = [AttachmentInline, CaseEventInline]
    show_full_result_count = False

    @admin.display(description=_("案件页面"))
    def case_page(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("cases:detail", args=[obj.pk]), _("在办理页面打开"))


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "case", "action", "actor_name", "from_state", "to_state"]
    list_filter = ["action"]
    search_fields = ["case__number", "actor_name", "reason"]
    list_select_related = ["case"]
    show_full_result_count = False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["case", "stage", "status", "requested_by", "requested_due_at", "created_at"]
    list_filter = ["status", "stage"]
    list_select_related = ["case", "requested_by"]
