"""cases.forms._FastSelect writes what Django's Select templates write: the list-item pickers on the case page
and the county search render it for every one of a county's items, so it must not drift from Django's markup
(attributes, optgroups, exactly one selected option, escaping) — compared here string for string."""

import pytest
from django import forms

from cases import selectors
from cases.forms import AssignForm, BulkAssignForm, _FastSelect

CHOICES = [
    ("", "— 请选择 —"),
    ("负面清单", [(1, "FM-001 违建 → 县综合执法局"), (2, 'A&B <"引号"> \'x\'')]),
    ("配合履职", [(3, "PH-001 油烟"), (3, "PH-001 重复的值")]),
    (4, "不在组里"),
    (None, "空值"),
]


@pytest.mark.parametrize("value", [None, "", "2", 2, "3", "999", ["1", "2"]])
@pytest.mark.parametrize("attrs", [None, {"required": True, "disabled": False, "aria-describedby": 'a"b <c>',
                                          "data-picker": "items", "id": "id_x"}])
def test_the_markup_is_djangos_own(value, attrs):
    widget_attrs = {"class": "wide", "data-picker-count": "匹配 %n 项"}
    fast = _FastSelect(attrs=widget_attrs, choices=CHOICES).render("list_item", value, attrs)
    django = forms.Select(attrs=widget_attrs, choices=CHOICES).render("list_item", value, attrs)
    assert str(fast) == str(django)


@pytest.mark.django_db
def test_a_real_case_pages_item_picker_is_djangos_markup(org, lists, flow):
    case = flow.reported(title="夜市油烟扰民")
    items = selectors.items_for_case(case)
    departments = selectors.departments_for_assignment(case)
    for form in (AssignForm(items=items, departments=departments),
                 AssignForm({"list_item": str(lists.assisting.pk)}, items=items, departments=departments),
                 BulkAssignForm(items=items, departments=departments)):
        field = form["list_item"]
        assert isinstance(field.field.widget, _FastSelect)
        fast = field.as_widget(attrs={"aria-describedby": "x_helptext"})
        field.field.widget.__class__ = forms.Select  # the same widget state, rendered by Django's templates
        try:
            django = field.as_widget(attrs={"aria-describedby": "x_helptext"})
        finally:
            field.field.widget.__class__ = _FastSelect
        assert str(fast) == str(django)
        assert lists.assisting.title in fast
