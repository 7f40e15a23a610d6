"""Open311 keys in the admin, beside the rest of Open311 (governance knows nothing of Open311 or cases)."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from cases.open311.keys import api_key_issue
from governance.models import ApiClientKey, Level, Unit, UnitKind


@admin.register(ApiClientKey)
class ApiClientKeyAdmin(admin.ModelAdmin):
    """Open311 keys. Adding one generates the key (cases.open311.keys.api_key_issue), stores only its SHA-256
    digest and shows the clear key once, on the page that answers the add form. Revoke by unticking 有效."""

    list_display = ["name", "unit", "key_prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key_prefix", "unit__name"]
    # A plain select of the county's townships (a handful) rather than a search box.

    def get_fields(self, request, obj=None):
        return ["name", "unit"] if obj is None else ["name", "unit", "key_prefix", "is_active", "created_at", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["unit", "key_prefix", "created_at", "last_used_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":  # keys are issued to townships only (cases.open311.keys.api_key_issue)
            kwargs["queryset"] = Unit.objects.filter(level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, clear = api_key_issue(name=form.cleaned_data["name"], unit=form.cleaned_data["unit"])
        obj.pk = key.pk
        obj.refresh_from_db()
        request._issued_api_key = clear  # shown once by response_add, never stored

    def response_add(self, request, obj, post_url_continue=None):
        clear = getattr(request, "_issued_api_key", None)
        if clear is None:
            return super().response_add(request, obj, post_url_continue)
        context = {**self.admin_site.each_context(request), "key": obj, "clear_key": clear, "opts": self.opts,
                   "title": _("接入密钥已生成")}
        response = TemplateResponse(request, "open311/key_issued.html", context)
        response["Cache-Control"] = "no-store"
        return response
