"""Residents' personal data (PIPL, issue 16): one rule for who sees a resident's name and phone in clear
(cases.privacy), masked for everyone else on the page and in the API, every clear view logged in an
append-only table, anonymised after the retention period (idempotent), and an access-request export."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from cases import privacy
from cases import services as case_services
from cases.models import Case, CaseEvent, ResidentDataAccess
from cases.tasks import anonymise_resident_data

pytestmark = pytest.mark.django_db

NAME, PHONE = "赵大妈", "138 0000-1234"
# The reporting township, the dispatch centre, the lead department (县市场监管局: officer and officer_a2).
CLEAR = {"reporter", "dispatcher", "officer", "officer_a2"}
MASKED = {"supervisor", "dept_supervisor", "township_supervisor", "city_supervisor"}


@pytest.fixture
def resident_case(flow):
    return flow.claimed(channel="resident", resident_name=NAME, resident_phone=PHONE)


def test_masks():
    assert privacy.mask_name("赵大妈") == "赵**" and privacy.mask_name("张") == "*" and privacy.mask_name("") == ""
    assert privacy.mask_phone("138 0000-1234") == "138****1234"
    assert privacy.mask_phone("12345") == "***45" and privacy.mask_phone("") == ""


def _page(client_for, user, case):
    return client_for(user).get(reverse("cases:detail", args=[case.pk]))


def _api(client_for, user, case):
    return client_for(user).get(f"/api/v1/cases/{case.pk}/")


@pytest.mark.parametrize("persona", sorted(CLEAR | MASKED))
def test_each_persona_sees_the_resident_clear_or_masked_and_clear_views_are_logged(org, resident_case, client_for,
                                                                                     persona):
    user = getattr(org, persona)
    clear = persona in CLEAR
    page, api = _page(client_for, user, resident_case), _api(client_for, user, resident_case)
    if page.status_code == 404:  # may not see the case at all: nothing to mask
        assert api.status_code == 404 and not clear
        return
    assert page.status_code == 200 and api.status_code == 200
    body, data = page.content.decode(), api.json()
    if clear:
        assert NAME in body and PHONE in body
        assert (data["resident_name"], data["resident_phone"]) == (NAME, PHONE)
        logged = ResidentDataAccess.objects.filter(case=resident_case, actor=user)
        assert sorted(logged.values_list("channel", flat=True)) == ["api", "page"]
    else:
        assert NAME not in body and "0000-1234" not in body and "00001234" not in body
        assert "赵**" in body and "138****1234" in body
        assert (data["resident_name"], data["resident_phone"]) == ("赵**", "138****1234")
        assert not ResidentDataAccess.objects.filter(actor=user).exists()


def test_other_departments_and_townships_cannot_see_the_case(org, resident_case, client_for):
    for user in (org.reporter_b, org.officer_b, org.nobody):
        assert _page(client_for, user, resident_case).status_code == 404
        assert _api(client_for, user, resident_case).status_code == 404
    assert not ResidentDataAccess.objects.exists()


def test_a_case_without_resident_data_logs_nothing(org, flow, client_for):
    case = flow.claimed()
    assert _page(client_for, org.dispatcher, case).status_code == 200
    assert _api(client_for, org.dispatcher, case).json()["resident_phone"] == ""
    assert not ResidentDataAccess.objects.exists()


# Open311 GET never carries it: tests/open311/test_open311.py (round trip, no name or phone in any body).


def test_the_admin_does_not_show_the_resident(org, resident_case, client_for):
    response = client_for(org.admin).get(reverse("admin:cases_case_change", args=[resident_case.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and resident_case.number in body
    assert NAME not in body and "0000-1234" not in body


def test_the_access_log_is_append_only_in_the_database(org, resident_case, client_for):
    _page(client_for, org.dispatcher, resident_case)
    row = ResidentDataAccess.objects.get()
    for sql in ("UPDATE cases_residentdataaccess SET actor_name = 'x' WHERE id = %s",
                "DELETE FROM cases_residentdataaccess WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    with pytest.raises(PermissionError):
        row.delete()
    assert ResidentDataAccess.objects.get().actor_name == row.actor_name


# --- Retention -------------------------------------------------------------------------------------

def test_retention_anonymises_once_after_the_period_and_the_second_run_changes_nothing(org, flow, settings):
    settings.RESIDENT_DATA_RETENTION_DAYS = 30
    closed = flow.closed(channel="resident", resident_name=NAME, resident_phone=PHONE)
    withdrawn = flow.withdrawn(channel="resident", resident_name="钱二", resident_phone="13911112222")
    still_open = flow.claimed(channel="resident", resident_name="孙三", resident_phone="13722223333")
    closed_at = Case.objects.get(pk=closed.pk).closed_at
    with time_machine.travel(closed_at + timedelta(days=29), tick=False):
        assert anonymise_resident_data.apply().get() == 0
    assert Case.objects.get(pk=closed.pk).resident_phone == PHONE
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        assert anonymise_resident_data.apply().get() == 2
        first = {c.pk: (c.resident_name, c.resident_phone, c.updated_at) for c in Case.objects.all()}
        assert anonymise_resident_data.apply().get() == 0
        second = {c.pk: (c.resident_name, c.resident_phone, c.updated_at) for c in Case.objects.all()}
    assert first == second
    assert first[closed.pk][:2] == ("", "") and first[withdrawn.pk][:2] == ("", "")
    assert first[still_open.pk][:2] == ("孙三", "13722223333")
    events = CaseEvent.objects.filter(action="case.resident_anonymised")
    assert sorted(events.values_list("case_id", flat=True)) == sorted([closed.pk, withdrawn.pk])
    assert all(NAME not in json.dumps(e.data, ensure_ascii=False) for e in events)


# --- Access requests ---------------------------------------------------------------------------------

URL = "/cases/residents/access-request/"


@pytest.mark.parametrize("persona,allowed", [
    ("supervisor", True), ("city_supervisor", True), ("admin", True), ("township_supervisor", False),
    ("dept_supervisor", False), ("dispatcher", False), ("officer", False), ("reporter", False), ("nobody", False),
])
def test_who_may_export_a_residents_data(org, resident_case, client_for, persona, allowed):
    client = client_for(getattr(org, persona))
    assert client.get(URL).status_code == (200 if allowed else 403)
    response = client.post(URL, {"phone": "13800001234"})
    assert response.status_code == (200 if allowed else 403)
    exported = ResidentDataAccess.objects.filter(channel="access_request")
    if not allowed:
        assert not exported.exists()
        return
    assert response["Content-Disposition"].startswith("attachment") and response["Cache-Control"] == "no-store"
    data = response.json()
    assert [c["number"] for c in data["cases"]] == [resident_case.number]
    assert data["cases"][0]["resident_name"] == NAME
    assert exported.get().case_id == resident_case.pk and exported.get().actor == getattr(org, persona)


def test_an_export_lists_who_saw_the_data_and_a_search_that_finds_nothing_is_logged_too(org, resident_case,
                                                                                       client_for):
    _page(client_for, org.dispatcher, resident_case)
    data = client_for(org.supervisor).post(URL, {"phone": "+138-0000-1234"}).json()
    assert [(a["by"], a["channel"]) for a in data["accesses"]] == [("王磊", "page")]
    assert client_for(org.supervisor).post(URL, {"phone": "13999999999"}).json()["cases"] == []
    nothing = ResidentDataAccess.objects.filter(channel="access_request", case=None).get()
    assert nothing.data == {"phone": "139****9999"}


def test_a_bad_number_is_a_form_error_and_logs_nothing(org, client_for):
    response = client_for(org.supervisor).post(URL, {"phone": "abc"})
    assert response.status_code == 400 and "5 至 32 位数字" in response.content.decode()
    assert not ResidentDataAccess.objects.exists()


def test_a_county_supervisor_exports_only_its_own_area(org, resident_case, client_for):
    from governance.models import Level, Role, UnitKind
    from governance.services import membership_grant, unit_create
    from tests.personas import make_user

    other = unit_create(code="Y", name="邻县人民政府", level=Level.COUNTY, kind=UnitKind.GOVERNMENT, parent=org.city)
    neighbour = make_user("neighbour_supervisor", "邻县领导")
    membership_grant(user=neighbour, unit=other, role=Role.SUPERVISOR)
    assert client_for(neighbour).post(URL, {"phone": "13800001234"}).json()["cases"] == []


@pytest.mark.parametrize("text, masked", [
    ("联系电话13912345678，身份证号11010119900307123X", "联系电话139****5678，身份证号110***********123X"),
    ("请回电 139 1234 5678 或 0731-84561234", "请回电 139****5678 或 073****1234"),
    ("+86 139-1234-5678", "+86 139****5678"),
    ("电话：(0731)84561234", "电话：073****1234"),
    # What is not a contact number stays as written: case numbers, dates and times, house numbers, coordinates.
    ("SZ-SFX-2026-000689 于2026-12-04 20:00 上报", "SZ-SFX-2026-000689 于2026-12-04 20:00 上报"),
    ("东六路 101 线公交车，解放路 12 号，30.1234567", "东六路 101 线公交车，解放路 12 号，30.1234567"),
    ("", ""),
])
def test_contact_numbers_in_free_text_are_masked_and_nothing_else(text, masked):
    assert privacy.mask_contacts(text) == masked


@pytest.mark.parametrize("persona", sorted(CLEAR | MASKED))
def test_numbers_written_into_a_cases_texts_follow_the_same_rule(org, flow, client_for, persona):
    """A clerk writes the caller's number into the description and an officer into the result: whoever sees
    the resident masked reads those numbers masked too, on the page and in the API; the rest of the text and
    what the handling staff read are unchanged."""
    case = flow.claimed(description="王大爷反映楼道堆物，回电 139 1234 5678，身份证 43010219800101123X")
    case = case_services.case_resolve(case=case, actor=org.officer, note="已清理，回访 13900002222 满意")
    user = getattr(org, persona)
    page, api = _page(client_for, user, case), _api(client_for, user, case)
    if page.status_code == 404:
        assert api.status_code == 404 and persona not in CLEAR
        return
    body, data = page.content.decode(), api.json()
    texts = json.dumps(data, ensure_ascii=False)
    assert "王大爷反映楼道堆物" in body and "已清理" in body and "王大爷反映楼道堆物" in data["description"]
    if persona in CLEAR:
        for clear in ("139 1234 5678", "43010219800101123X", "13900002222"):
            assert clear in body and clear in texts
    else:
        for clear in ("139 1234 5678", "43010219800101123X", "13900002222"):
            assert clear not in body and clear not in texts, clear
        assert "139****5678" in body and "139****2222" in data["resolution_note"]
        assert "430***********123X" in data["description"]
