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


def test_reviewers_are_reminded_once_before_a_review_deadline_then_escalated(org, draft, time_machine):
    """Submitted Wed 2 Dec 10:00, due Wed 16 Dec 10:00: the reminder falls at the same warning point as a
    case's (DEADLINE_WARNING_PERCENT = 80 % of the time), once, to the reviewers, with its email in the outbox."""
    from admission import services
    from cases.tasks import sweep_deadlines

    services.request_submit(request=draft, actor=org.officer)
    draft = AdmissionRequest.objects.get(pk=draft.pk)
    assert draft.remind_at == datetime.datetime(2026, 12, 13, 14, 48, tzinfo=TZ)  # 80 % of 14 days

    time_machine.move_to(datetime.datetime(2026, 12, 13, 14, 0, tzinfo=TZ), tick=False)
    assert sweep_deadlines()["admission"] == {"reminded": 0, "escalated": 0}

    time_machine.move_to(datetime.datetime(2026, 12, 14, 9, 0, tzinfo=TZ), tick=False)
    assert sweep_deadlines()["admission"] == {"reminded": 1, "escalated": 0}
    assert sweep_deadlines()["admission"] == {"reminded": 0, "escalated": 0}  # once
    reminders = Notification.objects.filter(kind="admission.reminded")
    assert [(n.recipient.username, n.email_pending) for n in reminders] == [("p_reviewer", True)]
    assert "2026-12-16 10:00" in reminders[0].body
    event = AdmissionEvent.objects.get(request=draft, action="admission.reminded")
    assert event.action_label == "审查即将到期提醒"

    time_machine.move_to(datetime.datetime(2026, 12, 16, 11, 0, tzinfo=TZ), tick=False)
    assert sweep_deadlines()["admission"] == {"reminded": 0, "escalated": 1}
    assert Notification.objects.filter(kind="admission.reminded").count() == 1


def test_the_consultation_stage_gets_its_own_reminder(org, draft, time_machine):
    from admission import services
    from admission.sweep import step

    services.request_submit(request=draft, actor=org.officer)
    time_machine.move_to(datetime.datetime(2026, 12, 14, 9, 0, tzinfo=TZ), tick=False)
    assert step()["reminded"] == 1
    services.request_check(request=draft, actor=org.reviewer, step="legality", outcome="passed", note="适用")
    request = services.request_open_consultation(request=AdmissionRequest.objects.get(pk=draft.pk),
                                                 actor=org.reviewer)
    request = AdmissionRequest.objects.get(pk=request.pk)
    assert request.reminded_at is None and request.remind_at < request.due_at
    time_machine.move_to(request.remind_at - datetime.timedelta(minutes=1), tick=False)
    assert step()["reminded"] == 0
    time_machine.move_to(request.remind_at + datetime.timedelta(minutes=1), tick=False)
    assert step()["reminded"] == 1
    assert AdmissionEvent.objects.filter(request=request, action="admission.reminded").count() == 2


def test_a_review_already_overdue_is_escalated_without_a_late_reminder(org, draft, time_machine):
    from admission import services
    from admission.sweep import step

    services.request_submit(request=draft, actor=org.officer)
    time_machine.move_to(datetime.datetime(2026, 12, 16, 11, 0, tzinfo=TZ), tick=False)  # the sweep was down
    assert step() == {"reminded": 0, "escalated": 1}
    assert not Notification.objects.filter(kind="admission.reminded").exists()
    assert step() == {"reminded": 0, "escalated": 0}
