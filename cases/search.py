"""Case search (案件查询): every case a person may see, filtered, sorted and exported.

The filter extends the one case filter, `cases.filters.CaseFilter`, so `/cases/search/?state=assigned&overdue=true`
and `/api/v1/cases/?state=assigned&overdue=true` mean the same thing (same parameters, same
"overdue" from cases.deadlines.overdue_q). The page adds choices for humans (townships and
departments by name, not by id), a few work-queue filters the home tiles link to, and sorting.
The cases searched are always `selectors.case_list_for_user(user)`: the access rule is not repeated here.
"""

import django_filters
from django import forms as django_forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.filters import CaseFilter
from cases.models import OPEN_STATES, CaseState, Channel, Urgency
from governance.models import Level, Unit, UnitKind

YES_NO = [("true", _("是")), ("false", _("否"))]

SORTS = [
    ("-created_at", _("上报时间（新的在前）")),
    ("created_at", _("上报时间（早的在前）")),
    ("due_at", _("时限（最紧的在前）")),
    ("number", _("编号")),
    ("township", _("上报乡镇")),
    ("state", _("状态")),
]
SORT_FIELDS = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "due_at": ("due_at", "created_at", "id"),  # cases without a running clock last (NULLS LAST below)
    "number": ("number",),
    "township": ("township__sort_order", "township__code", "-created_at", "-id"),
    "state": ("state", "-created_at", "-id"),
}

# Excel export stops here: a county's year of cases fits; anything larger is a database job, not a download.
EXPORT_LIMIT = 10_000


def townships_for_user(user):
    """The townships of the area the user's cases come from (a reporter's own, a dispatcher's or an officer's
    county, a supervisor's subtree): the search's township choices. Read from the unit tree, not from the
    cases, so the page costs the same at a province's ten million cases (issue 15)."""
    return Unit.objects.filter(
        selectors.visible_area_q(user), level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT,
    ).order_by("sort_order", "code")


def departments_for_user(user):
    """Departments of the counties of those townships."""
    county_ids = townships_for_user(user).order_by().values("parent_id")
    return Unit.objects.filter(kind=UnitKind.DEPARTMENT, parent_id__in=county_ids, is_active=True).order_by(
        "sort_order", "code"
    )


def _townships(request):
    return townships_for_user(request.user) if request is not None else Unit.objects.none()


def _departments(request):
    return departments_for_user(request.user) if request is not None else Unit.objects.none()


class CaseSearchFilter(CaseFilter):
    """The one case filter with human choices, work-queue flags and a sort order."""

    q = django_filters.CharFilter(method="filter_text", label=_("编号或文字"),
                                  widget=django_forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices, label=_("状态"),
                                                widget=django_forms.CheckboxSelectMultiple)
    township = django_filters.ModelChoiceFilter(queryset=_townships, field_name="township", label=_("上报乡镇"),
                                                empty_label=_("全部乡镇"))
    department = django_filters.ModelChoiceFilter(queryset=_departments, method="filter_department_unit",
                                                  label=_("牵头或协同部门"), empty_label=_("全部部门"))
    overdue = django_filters.ChoiceFilter(choices=YES_NO, method="filter_overdue", label=_("是否超时"),
                                          empty_label=_("不限"))
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("上报日期起"),
                                              widget=django_forms.DateInput(attrs={"type": "date"}))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("上报日期止"),
                                               widget=django_forms.DateInput(attrs={"type": "date"}))
    list_item_code = django_filters.CharFilter(field_name="list_item__code", label=_("清单事项编码"))
    claimed = django_filters.ChoiceFilter(choices=YES_NO, method="filter_claimed", label=_("部门已签收"),
                                          empty_label=_("不限"))
    info_pending = django_filters.ChoiceFilter(choices=YES_NO, method="filter_info_pending", label=_("待补充材料"),
                                               empty_label=_("不限"))
    flagged = django_filters.ChoiceFilter(choices=YES_NO, method="filter_flagged", label=_("已转督办（重办两次）"),
                                          empty_label=_("不限"))
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, label=_("紧急程度"), empty_label=_("不限"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("来源"), empty_label=_("不限"))
    sort = django_filters.ChoiceFilter(choices=SORTS, method="filter_sort", label=_("排序"), empty_label=None)

    class Meta(CaseFilter.Meta):
        fields = []

    # The form's order: what a dispatcher asks most first; MORE under "更多条件" on the page.
    MAIN = ["q", "state", "township", "department", "overdue", "created_after", "created_before", "sort"]
    MORE = ["list_item_code", "urgency", "channel", "claimed", "info_pending", "flagged"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters = {name: self.filters[name] for name in self.MAIN + self.MORE}

    def more_is_used(self):
        return any(self.data.get(name) for name in self.MORE)

    @property
    def qs(self):
        qs = super().qs
        # Sort applies even when the form is untouched (the default order is newest first).
        if not (self.form.is_valid() and self.form.cleaned_data.get("sort")):
            qs = self.filter_sort(qs, "sort", "-created_at")
        return qs

    def filter_department_unit(self, queryset, name, value):
        return self.filter_department(queryset, name, value.pk)

    def filter_claimed(self, queryset, name, value):
        q = Q(state=CaseState.ASSIGNED, claimed_at__isnull=False)
        return queryset.filter(q) if value == "true" else queryset.filter(state=CaseState.ASSIGNED,
                                                                          claimed_at__isnull=True)

    def filter_info_pending(self, queryset, name, value):
        q = Q(state__in=OPEN_STATES, info_requested_at__isnull=False)
        return queryset.filter(q) if value == "true" else queryset.exclude(q)

    def filter_flagged(self, queryset, name, value):
        q = Q(state__in=OPEN_STATES, flagged_at__isnull=False)
        return queryset.filter(q) if value == "true" else queryset.exclude(q)

    def filter_sort(self, queryset, name, value):
        from django.db.models import F

        fields = SORT_FIELDS.get(value or "-created_at", SORT_FIELDS["-created_at"])
        order = [F("due_at").asc(nulls_last=True) if f == "due_at" else f for f in fields]
        return queryset.order_by(*order)


def case_search(request, params=None):
    """The filter over the cases the requesting user may see, with the list's related rows loaded."""
    base = selectors.case_list(selectors.case_list_for_user(request.user))
    return CaseSearchFilter(request.GET if params is None else params, queryset=base, request=request)


# --- Saved searches (per user; a user's own bookmarks, so no audit event) ---------------------------

def saved_search_save(*, user, name, query):
    """Save (or overwrite, by name) the user's search: the query string of the search page."""
    from cases.models import SavedSearch

    saved, _created = SavedSearch.objects.update_or_create(user=user, name=name.strip(), defaults={"query": query})
    return saved


def saved_search_delete(*, user, pk):
    """Delete one of the user's own saved searches; False when it is not theirs (or gone)."""
    from cases.models import SavedSearch

    deleted, _ = SavedSearch.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)


# --- Excel export --------------------------------------------------------------------------------

EXPORT_HEADERS = [
    _("案件编号"), _("标题"), _("状态"), _("紧急程度"), _("来源"), _("上报乡镇"), _("地点"), _("清单事项编码"),
    _("清单事项"), _("牵头部门"), _("当前环节"), _("时限"), _("是否超时"), _("上报时间"), _("办结时间"),
]


def export_dataset(cases, now=None):
    """The search result as a tablib Dataset (the list export's xlsx path, its formula neutraliser)."""
    import tablib
    from django.db.models import BooleanField, ExpressionWrapper

    from cases import deadlines
    from responsibilities.imports import neutralise

    now = now or timezone.now()
    data = tablib.Dataset(headers=[str(h) for h in EXPORT_HEADERS], title=str(_("案件查询")))
    cases = cases.annotate(is_late=ExpressionWrapper(deadlines.overdue_q(now), output_field=BooleanField()))

    def when(dt):
        return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""

    for case in cases[:EXPORT_LIMIT]:
        data.append([neutralise(v) for v in (
            case.number, case.title, str(case.get_state_display()), str(case.get_urgency_display()),
            str(case.get_channel_display()), case.township.display_name, case.address,
            case.list_item.code if case.list_item_id else "", case.list_item.title if case.list_item_id else "",
            case.lead_department.display_name if case.lead_department_id else "",
            str(case.get_stage_display()) if case.due_at else "", when(case.due_at),
            str(_("是")) if case.is_late else "", when(case.created_at), when(case.resolved_at),
        )])
    return data
