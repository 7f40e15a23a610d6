from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from governance import services
from governance.models import CalendarDay, CalendarYear, JobHeartbeat, Membership, Notification, Unit

User = get_user_model()


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline shows field names only as column headings; each widget also gets its label as
    aria-label so a screen reader names it (axe-core 'label' / 'select-name' on the user form)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs.setdefault("aria-label", str(field.label))
        return field


class MembershipInline(LabelledTabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["unit"]
    fields = ["unit", "role", "title", "is_active"]


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "short_name", "code", "level", "kind", "parent", "email", "sort_order", "is_active"]

    def clean_parent(self):
        # Checked here so the administrator gets a message on the form, not an error page from
        # services.unit_update, which refuses the same moves.
        parent = self.cleaned_data.get("parent")
        unit = self.instance
        if parent is not None and unit.pk:
            if parent.pk == unit.pk:
                raise forms.ValidationError(_("上级单位不能是本单位。"))
            if parent.path.startswith(unit.path):
                raise forms.ValidationError(_("不能把单位移到它自己的下级单位之下。"))
        return parent


class UnitMembershipInline(LabelledTabularInline):
    """The people of a unit, on the unit's page: who reports, dispatches, handles and supervises here."""

    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "title", "is_active"]
    verbose_name = _("本单位人员")
    verbose_name_plural = _("本单位人员")


class ParentUnitFilter(admin.SimpleListFilter):
    """Filter by parent among the units that have children (a county, a township), not all units."""

    title = _("上级单位")
    parameter_name = "parent"

    def lookups(self, request, model_admin):
        parents = Unit.objects.filter(children__isnull=False).distinct().order_by("path")
        return [(str(u.pk), u.name) for u in parents]

    def queryset(self, request, queryset):
        return queryset.filter(parent_id=self.value()) if self.value() else queryset


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    form = UnitAdminForm
    list_display = ["name", "short_name", "code", "level", "kind", "parent", "member_count", "is_active"]
    list_filter = ["level", "kind", "is_active", ParentUnitFilter]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["parent"]
    ordering = ["path"]
    list_per_page = 50
    inlines = [UnitMembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "code"]}),
        (_("在组织中的位置"), {"fields": ["level", "kind", "parent", "sort_order"]}),
        (_("其他"), {"fields": ["email", "is_active"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").annotate(
            _member_count=Count("memberships", filter=Q(memberships__is_active=True))
        )

    @admin.display(description=_("在职人数"), ordering="_member_count")
    def member_count(self, obj):
        return obj._member_count

    def save_model(self, request, obj, form, change):
        # The materialised path is maintained by the services only.
        if change:
            original = Unit.objects.get(pk=obj.pk)
            services.unit_update(unit=original, **{f: form.cleaned_data[f] for f in form.changed_data})
            obj.refresh_from_db()
        else:
            created = services.unit_create(
                **{f: form.cleaned_data[f] for f in ["code", "name", "level", "kind", "parent", "short_name", "email", "sort_order"]}
            )
            if not form.cleaned_data.get("is_active", True):
                services.unit_update(unit=created, is_active=False)
            obj.pk = created.pk
            obj.refresh_from_db()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "user_full_name", "unit", "role", "title", "is_active", "created_at"]
    list_filter = ["role", "is_active", "unit__level", "unit__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name", "unit__short_name", "title"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]
    list_per_page = 50

    @admin.display(description=_("姓名"), ordering="user__first_name")
    def user_full_name(self, obj):
        return obj.user.get_full_name() or obj.user.first_name


admin.site.unregister(User)


NAME_HELP = _("中文姓名按姓在前的顺序完整填写，例如“王芳”；页面上原样显示。")


class PersonCreationForm(AdminUserCreationForm):
    """A new account with the person's name from the start (one 姓名 field: Chinese names are not
    split into given and family name, which Django would show as "芳 王")."""

    class Meta(AdminUserCreationForm.Meta):
        fields = ("username", "first_name", "email")
        labels = {"first_name": _("姓名"), "email": _("电子邮箱")}
        help_texts = {"first_name": NAME_HELP}


class PersonChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        labels = {"first_name": _("姓名"), "email": _("电子邮箱")}
        help_texts = {"first_name": NAME_HELP}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = PersonChangeForm
    add_form = PersonCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "email")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "first_name", "email", "usable_password", "password1",
                                                  "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")  # kept by Django; two unlabelled date/time boxes otherwise
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "roles", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "memberships__role", "memberships__unit__level"]
    search_fields = ["username", "first_name", "email", "memberships__unit__name"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.filter(is_active=True).select_related("unit"))
        )

    @admin.display(description=_("单位与角色"))
    def roles(self, obj):
        return "；".join(f"{m.unit.display_name} · {m.get_role_display()}" for m in obj.memberships.all()) or "—"

    def get_search_results(self, request, queryset, search_term):
        # Searching through memberships can match a person once per membership.
        queryset, _duplicates = super().get_search_results(request, queryset, search_term)
        return queryset, True


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


class MissingCalendarYearsWarning:
    """Warns on the calendar changelists when the current or next year has no published schedule:
    working-day deadlines in those years fall back to Monday–Friday (governance.calendar)."""

    def changelist_view(self, request, extra_context=None):
        from django.contrib import messages

        from governance.calendar import missing_years

        missing = missing_years()
        if missing:
            messages.warning(
                request,
                _("尚未录入 %(years)s 年的节假日安排：这些年份的工作日暂按周一至周五计算。"
                  "国务院办公厅公布放假安排后，请在此录入或运行 sync_calendar。")
                % {"years": "、".join(str(y) for y in missing)},
            )
        return super().changelist_view(request, extra_context)


@admin.register(CalendarYear)
class CalendarYearAdmin(MissingCalendarYearsWarning, admin.ModelAdmin):
    list_display = ["year", "source", "created_at"]


@admin.register(CalendarDay)
class CalendarDayAdmin(MissingCalendarYearsWarning, admin.ModelAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(JobHeartbeat)
class JobHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "last_started_at", "last_finished_at"]
    readonly_fields = ["name", "last_started_at", "last_finished_at", "last_result"]

    def has_add_permission(self, request):
        return False


admin.site.empty_value_display = _("（无）")
