"""Rules that were written twice and diverged now have one home each; every reader gives the same answer.

overdue            cases.deadlines.overdue_q / is_overdue (queues, API field and filter, home counts)
dispatch coverage  governance.selectors.dispatch_covers / dispatch_coverage_q / dispatch_centres_for
case filter        cases.filters.CaseFilter (queue pages and API)
list-editor scope  responsibilities.permissions.editor_scope_q / can_edit_scope
service errors     config.forms.service_errors_into_form (every app's pages)
"""

from datetime import timedelta

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases import deadlines, permissions, selectors, services
from cases.filters import CaseFilter
from cases.models import Case
from config.forms import service_errors_into_form
from governance.models import Level, Role, UnitKind
from governance.selectors import dispatch_centres_for
from governance.services import membership_grant, unit_create
from tests.personas import make_user

pytestmark = pytest.mark.django_db


def _api(user):
    client = APIClient()
    client.force_login(user)
    return client


def _api_ids(user, query):
    return {row["id"] for row in _api(user).get(f"/api/v1/cases/?{query}").json()["results"]}


def _page_ids(client, url, query):
    response = client.get(url, query)
    assert response.status_code == 200
    return {case.pk for case in response.context["page"].object_list}


# --- Overdue ---------------------------------------------------------------------------------


def test_a_case_paused_after_its_deadline_is_not_overdue_anywhere(org, flow, client_for):
    late = flow.assigned(title="已超时")
    paused = flow.assigned(title="超时后暂停")
    Case.objects.filter(pk__in=[late.pk, paused.pk]).update(due_at=timezone.now() - timedelta(hours=2))
    services.case_request_info(case=Case.objects.get(pk=paused.pk), actor=org.dispatcher, question="请补充照片。")
    late, paused = Case.objects.get(pk=late.pk), Case.objects.get(pk=paused.pk)
    now = timezone.now()

    assert deadlines.is_overdue(late, now) and not deadlines.is_overdue(paused, now)
    assert set(Case.objects.filter(deadlines.overdue_q(now)).values_list("pk", flat=True)) == {late.pk}
    rows = {row["id"]: row["overdue"] for row in _api(org.dispatcher).get("/api/v1/cases/").json()["results"]}
    assert rows[late.pk] is True and rows[paused.pk] is False
    assert _api_ids(org.dispatcher, "overdue=true") == {late.pk}
    assert _api_ids(org.dispatcher, "deadline=overdue") == {late.pk}
    page = client_for(org.officer)
    assert _page_ids(page, reverse("cases:department_queue"), {"deadline": "overdue"}) == {late.pk}
    assert paused.pk in _page_ids(page, reverse("cases:department_queue"), {"deadline": "running"})


# --- Which dispatch centre covers a township ------------------------------------------------


def test_dispatch_coverage_is_one_rule_for_permission_visibility_queue_and_notification(org, flow):
    other_county = unit_create(code="Y", name="邻县人民政府", short_name="邻县", level=Level.COUNTY,
                               kind=UnitKind.GOVERNMENT, parent=org.city)
    other_centre = unit_create(code="Y-ZHZX", name="邻县指挥中心", level=Level.COUNTY, kind=UnitKind.DISPATCH,
                               parent=other_county)
    city_centre = unit_create(code="C-ZHZX", name="示范市指挥中心", level=Level.CITY, kind=UnitKind.DISPATCH,
                              parent=org.city)
    neighbour, city_dispatcher = make_user("p_neighbour"), make_user("p_city_dispatcher")
    membership_grant(user=neighbour, unit=other_centre, role=Role.DISPATCHER)
    membership_grant(user=city_dispatcher, unit=city_centre, role=Role.DISPATCHER)

    assert dispatch_centres_for(org.township) == [org.dispatch, city_centre], "nearest first"
    case = flow.reported()
    assert case.dispatch_centre == org.dispatch
    for user, covers in ((org.dispatcher, True), (city_dispatcher, True), (neighbour, False)):
        user = type(user).objects.get(pk=user.pk)  # fresh membership cache
        assert bool(permissions.dispatch_unit(user, case)) is covers
        assert selectors.case_visible_to(user, case) is covers
        assert selectors.triage_queue(user).filter(pk=case.pk).exists() is covers


# --- The case filter ---------------------------------------------------------------------------


def test_pages_and_api_filter_cases_the_same_way(org, flow, client_for):
    oil = flow.reported(title="夜市油烟", description="烧烤摊油烟直排，居民投诉", address="解放路88号")
    noise = flow.reported(title="夜市噪声", description="音响扰民", address="解放路90号")
    assigned = flow.assigned(title="占道经营", description="油烟和占道", address="人民路1号")
    page = client_for(org.dispatcher)
    url = reverse("cases:triage_queue")
    for query, expected in (
        ({"q": "夜市 投诉"}, {oil.pk}),  # every word, description included
        ({"q": "解放路"}, {oil.pk, noise.pk}),
        ({"q": "油烟", "state": "reported"}, {oil.pk}),
        ({"q": "油烟"}, {oil.pk}),  # the triage queue holds no assigned case
    ):
        assert _page_ids(page, url, query) == expected, query
        api_query = "&".join(f"{k}={v}" for k, v in query.items())
        api = _api_ids(org.dispatcher, api_query)
        assert api & {oil.pk, noise.pk} == expected & {oil.pk, noise.pk}, query
    assert _api_ids(org.dispatcher, "q=油烟") == {oil.pk, assigned.pk}
    assert _api_ids(org.dispatcher, "state=reported&state=assigned") >= {oil.pk, noise.pk, assigned.pk}


def test_the_page_shows_the_filters_a_clerk_uses_with_an_all_states_option(org, client_for):
    body = client_for(org.reporter).get(reverse("cases:township_list"), {"state": "reported"}).content.decode()
    assert 'name="state"' in body and "全部状态" in body and 'value="reported" selected' in body
    assert 'name="list_item_code"' not in body and 'name="department"' not in body
    assert set(CaseFilter.for_page({}, Case.objects.none()).form.fields) == {"q", "state", "deadline", "urgency"}


# --- List-editor scope -------------------------------------------------------------------------


def test_list_editor_scope_is_one_rule_for_lists_drafts_and_new_lists(org, client_for):
    from responsibilities import selectors as list_selectors
    from responsibilities import services as list_services
    from responsibilities.models import DutyList, ListVersion
    from responsibilities.permissions import can_edit_scope, editor_scope_q
    from responsibilities.views import _editor_jurisdictions

    duty_list = list_services.list_create(actor=org.editor, code="x-township", name="示范县清单", level=Level.TOWNSHIP,
                                          jurisdiction=org.county)
    draft = ListVersion.objects.get(duty_list=duty_list, status="draft")  # list_create starts one
    outsider = make_user("p_other_editor")
    other_county = unit_create(code="Y", name="邻县人民政府", level=Level.COUNTY, kind=UnitKind.GOVERNMENT,
                               parent=org.city)
    membership_grant(user=outsider, unit=other_county, role=Role.EDITOR)
    outsider = type(outsider).objects.get(pk=outsider.pk)
    for user, inside in ((org.editor, True), (outsider, False), (org.admin, True)):
        assert can_edit_scope(user, org.county) is inside
        assert DutyList.objects.filter(editor_scope_q(user), pk=duty_list.pk).exists() is inside
        assert (duty_list in list_selectors.editable_lists(user)) is inside
        assert _editor_jurisdictions(user).filter(pk=org.county.pk).exists() is inside
        seen = _api(user).get("/api/v1/versions/").json()
        assert (draft.pk in {v["id"] for v in seen.get("results", seen)}) is inside


# --- A service's ValidationError on a form ---------------------------------------------------


class _Form(forms.Form):
    title = forms.CharField(required=False)


def test_service_errors_land_on_the_field_or_above_the_form():
    form = _Form({"title": "x"})
    assert form.is_valid()
    service_errors_into_form(form, ValidationError({"title": "标题重复。", "township": "乡镇无效。"}))
    assert form.errors["title"] == ["标题重复。"] and form.non_field_errors() == ["乡镇无效。"]
    form = _Form({"title": "x"})
    form.is_valid()
    service_errors_into_form(form, ValidationError("整体不成立。"))
    assert form.non_field_errors() == ["整体不成立。"]
