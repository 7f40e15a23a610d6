"""Issue 16, "Measured": a resident's name and phone, per outlet, for the roles that may not see them in
clear (cases.privacy.can_see_unmasked is the one rule; the page itself is tests/cases/test_resident_privacy.py).

Outlets: the notification emails sent along the case's way, the assessment Excel export, the insights
quarterly Excel export, the case search's Excel export and the API (detail, list, and the search as an oracle).
Neither the clear name nor the phone (with or without its separators) may appear in any of them.
"""

import io

import pytest
from django.core import mail

from cases import services

pytestmark = pytest.mark.django_db

NAME, PHONE = "赵秀兰", "139 8765-4321"
NEEDLES = (NAME, PHONE, "13987654321", "139 8765", "8765-4321", "87654321")
# May see the case but not the resident in clear (the reporting township, the dispatch centre and the lead
# department see them; supervisors and the assessor do not).
MASKED_ROLES = ("supervisor", "dept_supervisor", "township_supervisor", "city_supervisor", "assessor")


def _leaks(text):
    return [needle for needle in NEEDLES if needle in text]


def _workbook_text(content):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


@pytest.fixture
def resident_case(org, flow, django_capture_on_commit_callbacks):
    from governance.tasks import deliver_notification_emails

    mail.outbox.clear()
    # Emails are enqueued on commit (and an outbox row is delivered by the periodic task): run both.
    with django_capture_on_commit_callbacks(execute=True):
        case = flow.claimed(channel="resident", resident_name=NAME, resident_phone=PHONE)
        case = services.case_resolve(case=case, actor=org.officer, note="已联系群众并处理")
    deliver_notification_emails.apply()
    assert (case.resident_name, case.resident_phone) == (NAME, PHONE)
    return case


def test_notification_emails_carry_no_resident_data(org, resident_case):
    assert mail.outbox, "the case's way sent no email at all"
    assert any(resident_case.number in (message.subject + message.body) for message in mail.outbox)
    for message in mail.outbox:
        parts = [message.subject, message.body] + [body for body, _type in getattr(message, "alternatives", [])]
        assert not _leaks("\n".join(parts)), (message.to, message.subject)


@pytest.mark.parametrize("persona", MASKED_ROLES)
def test_the_api_masks_the_resident_in_detail_and_list_and_cannot_be_searched_by_it(org, resident_case,
                                                                                     client_for, persona):
    client = client_for(getattr(org, persona))
    detail = client.get(f"/api/v1/cases/{resident_case.pk}/")
    assert detail.status_code == 200
    assert detail.json()["resident_name"] == "赵**"
    assert not _leaks(detail.content.decode())
    listing = client.get("/api/v1/cases/?page_size=100")
    assert resident_case.number in listing.content.decode()
    assert not _leaks(listing.content.decode())
    for needle in (NAME, "13987654321"):
        found = client.get("/api/v1/cases/", {"q": needle}).json()
        assert found["count"] == 0, f"the resident's {needle!r} finds the case: an oracle for masked data"


@pytest.mark.parametrize("persona", ["supervisor", "township_supervisor", "city_supervisor"])
def test_the_search_excel_export_carries_no_resident_data(org, resident_case, client_for, persona):
    response = client_for(getattr(org, persona)).get("/cases/search/", {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = _workbook_text(response.content)
    assert resident_case.number in text  # the case is in the export, its resident is not
    assert not _leaks(text)


@pytest.mark.parametrize("persona", ["supervisor", "assessor"])
def test_the_assessment_export_carries_no_resident_data(org, resident_case, client_for, persona):
    from django.utils import timezone

    today = timezone.localdate()
    response = client_for(getattr(org, persona)).get(
        "/assessment/export.xlsx", {"period": "month", "value": f"{today:%Y-%m}"})
    assert response.status_code == 200
    text = _workbook_text(response.content)
    assert org.dept.name in text or org.dept.short_name in text  # the lead department's figures are there
    assert not _leaks(text)


@pytest.mark.parametrize("persona", ["supervisor", "city_supervisor"])
def test_the_insights_export_carries_no_resident_data(org, resident_case, client_for, persona):
    client = client_for(getattr(org, persona))
    response = client.get("/insights/report.xlsx", {"county": org.county.pk})
    assert response.status_code == 200
    assert not _leaks(_workbook_text(response.content))


def test_the_masked_roles_really_may_not_see_the_resident_and_the_clear_ones_do(org, resident_case):
    # The premise of this file, from the one rule: if it changes, the tables above must change with it.
    from cases import privacy

    for persona in MASKED_ROLES:
        assert not privacy.can_see_unmasked(getattr(org, persona), resident_case), persona
    for persona in ("reporter", "dispatcher", "officer"):
        assert privacy.can_see_unmasked(getattr(org, persona), resident_case), persona
