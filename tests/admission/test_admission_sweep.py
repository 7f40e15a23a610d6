"""Review deadlines are enforced by the deadline sweep (cases.tasks.sweep_deadlines runs admission.sweep.step)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from admission.models import AdmissionEvent, AdmissionRequest
from governance.models import Notification

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def test_an_overdue_review_escalates_once_per_level_through_the_deadline_sweep(org, draft, time_machine):
    from admission import services
    from cases.tasks import sweep_deadlines

    services.request_submit(request=draft, actor=org.officer)
    draft = AdmissionRequest.objects.get(pk=draft.pk)
    # Ten working days from Wednesday 2 December 10:00 -> Wednesday 16 December 10:00.
    assert draft.due_at == datetime.datetime(2026, 12, 16, 10, 0, tzinfo=TZ)
    time_machine.move_to(datetime.datetime(2026, 12, 16, 9, 0, tzinfo=TZ), tick=False)
    assert sweep_deadlines()["admission"]["escalated"] == 0

    time_machine.move_to(datetime.datetime(2026, 12, 16, 11, 0, tzinfo=TZ), tick=False)
    assert sweep_deadlines()["admission"]["escalated"] == 1
    assert sweep_deadlines()["admission"]["escalated"] == 0  # idempotent
    draft = AdmissionRequest.objects.get(pk=draft.pk)
    assert draft.escalation_level == 1
    notified = set(Notification.objects.filter(kind="admission.escalated").values_list("recipient__username", flat=True))
    assert notified == {"p_supervisor", "p_reviewer"}  # the county's supervisor, and a reminder to the reviewer

    time_machine.move_to(datetime.datetime(2026, 12, 17, 12, 0, tzinfo=TZ), tick=False)
    assert sweep_deadlines()["admission"]["escalated"] == 1
    assert "p_city_supervisor" in set(
        Notification.objects.filter(kind="admission.escalated").values_list("recipient__username", flat=True))
    assert AdmissionEvent.objects.filter(request=draft, action="admission.escalated").count() == 2


def test_a_decided_request_is_not_escalated(org, approved, time_machine):
    from admission.sweep import step

    time_machine.move_to(datetime.datetime(2027, 3, 1, 10, 0, tzinfo=TZ), tick=False)
    assert step()["escalated"] == 0
