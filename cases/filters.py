"""The one filter of case lists, for the queue pages and the API alike (cases.selectors give the rows the
user may see; this narrows them).

    q               every word in the number, title, description or address
    state           one state (?state=assigned, a drop-down on the pages) or several (?state=a&state=b)
    deadline        overdue | running | open (pages and API); overdue=true/false (API) is the same rule
    urgency, channel, township, department (lead or assisting), created_after/before, list_item_code

"Overdue" is cases.deadlines.overdue_q. The pages show PAGE_FIELDS only (CaseFilter.for_page).
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import deadlines
from cases.models import OPEN_STATES, Case, CaseState, Channel, Urgency
from config.api_filters import IdFilter

PAGE_FIELDS = ("q", "state", "deadline", "urgency")


class OneOrManySelect(forms.Select):
    """A drop-down with a blank "all" option that also reads several values (?state=a&state=b)."""

    def __init__(self, *args, blank_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.blank_label = blank_label

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [v for v in values if v]

    def optgroups(self, name, value, attrs=None):
        choices = self.choices
        self.choices = [("", self.blank_label), *choices]
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = choices


class CaseFilter(django_filters.FilterSet):
    DEADLINE_CHOICES = [("overdue", _("已超时")), ("running", _("计时中")), ("open", _("未结"))]

    q = django_filters.CharFilter(label=_("搜索"), method="filter_text",
                                  help_text=_("编号、标题、描述或地点中的文字"))
    state = django_filters.MultipleChoiceFilter(label=_("状态"), choices=CaseState.choices,
                                                widget=OneOrManySelect(blank_label=_("全部状态")))
    deadline = django_filters.ChoiceFilter(label=_("时限"), choices=DEADLINE_CHOICES, method="filter_deadline",
                                           empty_label=_("全部"))
    urgency = django_filters.ChoiceFilter(label=_("紧急程度"), choices=Urgency.choices, empty_label=_("全部"))
    # Strict "true"/"false" (django-filter's BooleanFilter silently ignores anything else).
    overdue = django_filters.ChoiceFilter(choices=[("true", _("是")), ("false", _("否"))], method="filter_overdue",
                                          label=_("是否超时"))
    department = IdFilter(method="filter_department", label=_("牵头或协同部门 ID"))
    township = IdFilter(field_name="township_id", label=_("乡镇（街道）ID"))
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("上报日期起"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("上报日期止"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    list_item_code = django_filters.CharFilter(field_name="list_item__code", label=_("清单事项编码"))

    class Meta:
        model = Case
        fields = ["state", "township", "urgency", "channel"]

    @classmethod
    def for_page(cls, data, queryset):
        """The queue pages' filter: the same filters, showing the few a clerk uses."""
        filterset = cls(data, queryset=queryset)
        filterset.filters = {name: f for name, f in filterset.filters.items() if name in PAGE_FIELDS}
        return filterset

    def filter_text(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(
                Q(number__icontains=term) | Q(title__icontains=term) | Q(description__icontains=term)
                | Q(address__icontains=term)
            )
        return queryset

    def filter_deadline(self, queryset, name, value):
        now = timezone.now()
        late = deadlines.overdue_q(now)
        if value == "overdue":
            return queryset.filter(late)
        if value == "running":
            return queryset.filter(state__in=OPEN_STATES, due_at__isnull=False).exclude(late)
        if value == "open":
            return queryset.filter(state__in=OPEN_STATES)
        return queryset

    def filter_overdue(self, queryset, name, value):
        return self.filter_deadline(queryset, name, "overdue") if value == "true" else queryset.exclude(
            deadlines.overdue_q())

    def filter_department(self, queryset, name, value):
        through = Case.assisting_departments.through.objects.filter(unit_id=value)
        return queryset.filter(Q(lead_department_id=value) | Q(pk__in=through.values("case_id")))
