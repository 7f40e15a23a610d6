"""case_report: who may report, the number, the triage clock, the dispatchers' notification."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.exceptions import CasePermissionDenied
from cases.models import Case, CaseEvent, CaseState, Stage
from governance.models import Notification

pytestmark = pytest.mark.django_db


def test_reporter_reports_a_case_that_starts_the_triage_clock(org, flow):
    case = flow.reported()
    assert case.state == CaseState.REPORTED
    assert case.township == org.township and case.reporter == org.reporter
    assert case.dispatch_centre == org.dispatch
    assert case.stage == Stage.TRIAGE and case.due_at is not None and case.triage_due_at == case.due_at
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.actor, event.actor_unit, event.to_state) == (
        "case.reported", org.reporter, org.township, "reported")


def test_numbers_are_human_readable_and_sequential_per_county_and_year(flow, settings):
    settings.CASE_NUMBER_PREFIX = "SZ"
    first, second = flow.reported(), flow.reported()
    year = timezone.localtime(first.created_at).year
    assert re.fullmatch(rf"SZ-X-{year}-\d{{6}}", first.number)  # X: the county's unit code
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    first.refresh_from_db()
    assert first.number.startswith("SZ-X-")  # stored, not only on the instance


def test_dispatchers_get_an_in_app_notification_and_an_email_after_commit(org, flow, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = flow.reported()
    note = Notification.objects.get(recipient=org.dispatcher)
    assert note.kind == "case.reported" and case.number in note.title and note.url.endswith(f"/cases/{case.pk}/")
    assert any(org.dispatcher.email in m.to for m in mail.outbox)
    assert not Notification.objects.filter(recipient=org.officer).exists()


@pytest.mark.parametrize("persona", ["reporter_b", "dispatcher", "officer", "supervisor", "township_supervisor",
                                     "nobody"])
def test_only_the_townships_reporters_may_report_for_it(org, lists, persona):
    with pytest.raises(CasePermissionDenied):
        services.case_report(actor=getattr(org, persona), township=org.township, title="t", description="d",
                             address="a")
    assert Case.objects.count() == 0


def test_missing_fields_are_field_errors_and_nothing_is_saved(org, lists):
    with pytest.raises(ValidationError) as excinfo:
        services.case_report(actor=org.reporter, township=org.township, title=" ", description="", address="")
    assert set(excinfo.value.message_dict) == {"title", "description", "address"}
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_resident_request_needs_a_name_and_a_plausible_phone(org, lists):
    with pytest.raises(ValidationError) as excinfo:
        services.case_report(actor=org.reporter, township=org.township, title="t", description="d", address="a",
                             channel="resident", resident_phone="call me")
    assert {"resident_name", "resident_phone"} <= set(excinfo.value.message_dict)


def test_reporter_may_withdraw_before_triage_but_not_after(org, flow):
    from cases.exceptions import CaseConflict

    case = services.case_withdraw(case=flow.reported(), actor=org.reporter, reason="已自行协调解决")
    assert case.state == CaseState.WITHDRAWN and case.due_at is None and case.closed_at is not None
    triaged = flow.triaged()
    with pytest.raises(CaseConflict):
        services.case_withdraw(case=triaged, actor=org.reporter)
    with pytest.raises(CasePermissionDenied):
        services.case_withdraw(case=flow.reported(), actor=org.reporter_b)
