"""Department routing profiles kept by list editors from their pages (/lists/edit/departments/)."""

import pytest
from django.urls import reverse

EDIT_ALLOWED = {"editor", "admin"}


def _post(client, unit, **values):
    data = {"dept_type": "market", "functions": "负责食品安全、价格监督检查和消费投诉举报处理。", "keywords": "食品,价格"}
    data.update(values)
    return client.post(reverse("routing:profile_edit", args=[unit.code]), data)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [
    "reporter", "reporter_b", "dispatcher", "officer", "officer_a2", "officer_b", "supervisor", "dept_supervisor",
    "township_supervisor", "city_supervisor", "editor", "admin", "nobody", "anonymous",
])
def test_only_list_editors_and_administrators_may_see_and_edit_profiles(org, county, client_for, persona):
    from routing.models import DepartmentProfile, ProfileEvent

    client = client_for(org.personas()[persona])
    before = DepartmentProfile.objects.get(unit=org.dept).functions
    index = client.get(reverse("routing:profile_index"))
    page = client.get(reverse("routing:profile_edit", args=[org.dept.code]))
    saved = _post(client, org.dept, functions="负责食品、药品、特种设备安全监管和价格监督检查。")
    if persona == "anonymous":
        assert index.status_code == page.status_code == saved.status_code == 302
        assert "/accounts/login/" in saved["Location"]
    elif persona in EDIT_ALLOWED:
        assert index.status_code == page.status_code == 200
        assert saved.status_code == 302
        assert DepartmentProfile.objects.get(unit=org.dept).functions.startswith("负责食品、药品")
        assert ProfileEvent.objects.filter(unit=org.dept, actor=org.personas()[persona]).count() == 1
        return
    else:
        assert index.status_code == page.status_code == saved.status_code == 403
    assert DepartmentProfile.objects.get(unit=org.dept).functions == before
    assert not ProfileEvent.objects.exists()


@pytest.mark.django_db
def test_the_editor_sees_the_departments_of_their_jurisdiction_only(org, county, client_for):
    from governance.models import Level, Role, UnitKind
    from governance.services import membership_grant, unit_create
    from tests.personas import make_user

    other_county = unit_create(code="Y", name="邻县人民政府", short_name="邻县", level=Level.COUNTY,
                               kind=UnitKind.GOVERNMENT, parent=org.city)
    other_dept = unit_create(code="Y-JY", name="邻县教育局", short_name="邻县教育局", level=Level.COUNTY,
                             kind=UnitKind.DEPARTMENT, parent=other_county)
    other_editor = make_user("other_editor")
    membership_grant(user=other_editor, unit=other_county, role=Role.EDITOR)

    page = client_for(org.editor).get(reverse("routing:profile_index")).content.decode()
    assert org.dept.display_name in page and county.transport.display_name in page and other_dept.display_name not in page
    # An editor of the other county may not edit this county's department, and the reverse.
    assert _post(client_for(other_editor), org.dept).status_code == 403
    assert _post(client_for(org.editor), other_dept).status_code == 403
    assert client_for(other_editor).get(reverse("routing:profile_edit", args=[other_dept.code])).status_code == 200
    # A city editor's jurisdiction holds both counties.
    city_editor = make_user("city_editor")
    membership_grant(user=city_editor, unit=org.city, role=Role.EDITOR)
    city_page = client_for(city_editor).get(reverse("routing:profile_index")).content.decode()
    assert org.dept.display_name in city_page and other_dept.display_name in city_page
    assert client_for(org.editor).get(reverse("routing:profile_edit", args=["NO-SUCH"])).status_code == 404


@pytest.mark.django_db
def test_a_profile_edit_is_audited_and_the_next_suggestion_reads_it(org, county, client_for,
                                                                   django_capture_on_commit_callbacks):
    from routing.models import DepartmentProfile, ProfileEvent
    from routing.services import suggest

    query = "孩子的研学旅行安排不合理"
    assert [d.code for d in suggest(query, township=org.township).departments][:1] != [county.education.code]
    client = client_for(org.editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, county.education, dept_type="education",
                         functions="负责学前教育和义务教育管理，学校和幼儿园食堂、研学旅行、校园安全和办学行为的监管。",
                         keywords="学校,幼儿园,研学")
    assert response.status_code == 302
    event = ProfileEvent.objects.get(unit=county.education)
    assert event.action == "profile.changed" and event.actor == org.editor
    assert set(event.data["changes"]) == {"functions", "keywords"}  # the type was education already
    assert event.data["changes"]["keywords"][1] == "学校,幼儿园,研学"
    answer = suggest(query, township=org.township)
    assert answer.departments[0].code == county.education.code
    # Saving the same values again writes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, county.education, dept_type="education",
              functions="负责学前教育和义务教育管理，学校和幼儿园食堂、研学旅行、校园安全和办学行为的监管。", keywords="学校,幼儿园,研学")
    assert ProfileEvent.objects.filter(unit=county.education).count() == 1
    page = client.get(reverse("routing:profile_edit", args=[county.education.code])).content.decode()
    assert "修改职责画像" in page and "学校,幼儿园,研学" in page
    assert DepartmentProfile.objects.get(unit=county.education).dept_type == "education"


@pytest.mark.django_db
def test_a_department_without_a_profile_gets_one(org, county, client_for):
    from routing.models import DepartmentProfile, ProfileEvent

    DepartmentProfile.objects.filter(unit=org.dept).delete()
    index = client_for(org.editor).get(reverse("routing:profile_index")).content.decode()
    assert "尚未填写职责画像" in index
    assert _post(client_for(org.editor), org.dept).status_code == 302
    assert DepartmentProfile.objects.get(unit=org.dept).dept_type == "market"
    assert ProfileEvent.objects.get(unit=org.dept).action == "profile.created"


@pytest.mark.django_db
@pytest.mark.parametrize("values, field", [
    ({"functions": "太短"}, "functions"),
    ({"dept_type": "no_such_type"}, "dept_type"),
    ({"functions": "负" * 3001}, "functions"),
])
def test_bad_input_is_a_clear_error_and_changes_nothing(org, county, client_for, values, field):
    from routing.models import DepartmentProfile, ProfileEvent

    before = DepartmentProfile.objects.get(unit=org.dept)
    response = _post(client_for(org.editor), org.dept, **values)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    after = DepartmentProfile.objects.get(unit=org.dept)
    assert (after.functions, after.dept_type) == (before.functions, before.dept_type)
    assert not ProfileEvent.objects.exists()


@pytest.mark.django_db
def test_profile_edits_are_post_only_with_csrf(org, county):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(org.editor)
    response = _post(client, org.dept)
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_profile_event_log_is_append_only(org, county):
    from routing.models import ProfileEvent
    from routing.services import profile_update

    profile_update(unit=org.dept, actor=org.editor, dept_type="market", functions="负责市场监管和消费投诉处理。")
    with pytest.raises(RuntimeError):
        ProfileEvent.objects.get().delete()
