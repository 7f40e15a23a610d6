"""The deadline sweep (cases.escalation via cases.tasks.sweep_deadlines): warnings, escalation, idempotence."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection

from cases import escalation
from cases.models import Case, CaseEvent
from cases.tasks import sweep_deadlines
from governance.calendar import sync_calendar
from governance.models import Notification

SH = ZoneInfo("Asia/Shanghai")
# SKIP LOCKED is PostgreSQL's; SQLite (tests/cases/test_sweep_sqlite.py runs this module there)
# serialises writers instead, so a sweep waits for a held lock rather than skipping it.
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED is PostgreSQL's")
MONDAY = datetime(2026, 3, 2, 10, tzinfo=SH)


@pytest.fixture(autouse=True)
def official_calendar(db):
    sync_calendar(years=[2026])


@pytest.fixture
def step(settings):
    return timedelta(hours=settings.CASE_DEADLINES["escalation_step_hours"])


def escalations(case):
    return list(CaseEvent.objects.filter(case=case, action="case.escalated").order_by("id"))


def notified(kind, case=None):
    qs = Notification.objects.filter(kind=kind)
    if case is not None:
        qs = qs.filter(subject=f"case:{case.pk}")
    return sorted(qs.values_list("recipient__username", flat=True))


def test_it_escalates_an_overdue_case_once_to_the_department_supervisors(
    org, flow, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(MONDAY, tick=False)
    case = flow.assigned()
    time_machine.move_to(case.due_at + timedelta(minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        result = escalation.sweep()
    case.refresh_from_db()
    assert result["escalated"] == 1 and result["by_level"] == {"1": 1}
    assert case.escalation_level == 1
    assert case.next_escalation_at == case.escalated_at + timedelta(hours=24)
    [event] = escalations(case)
    assert event.actor.username == "system" and event.actor_name == "系统"
    assert event.data["level"] == 1 and event.data["unit"] == org.dept.pk
    assert notified("case.escalated", case) == ["p_dept_supervisor"]
    assert any("督办" in m.subject for m in mail.outbox), "the supervisor is emailed after commit"


def test_running_the_sweep_twice_escalates_once(flow, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    case = flow.assigned()
    time_machine.move_to(case.due_at + timedelta(minutes=1), tick=False)
    escalation.sweep()
    second = escalation.sweep()
    case.refresh_from_db()
    assert second["escalated"] == 0
    assert case.escalation_level == 1
    assert len(escalations(case)) == 1
    assert len(notified("case.escalated", case)) == 1


def test_a_case_within_its_deadline_is_left_alone(flow, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    case = flow.assigned()
    time_machine.move_to(case.due_at - timedelta(minutes=1), tick=False)
    assert escalation.sweep()["escalated"] == 0
    case.refresh_from_db()
    assert case.escalation_level == 0


def test_escalation_climbs_the_chain_after_each_further_period(flow, time_machine, step):
    time_machine.move_to(MONDAY, tick=False)
    case = flow.assigned()
    time_machine.move_to(case.due_at + timedelta(minutes=1), tick=False)
    escalation.sweep()
    first = Case.objects.get(pk=case.pk).escalated_at

    time_machine.move_to(first + step - timedelta(minutes=1), tick=False)
    escalation.sweep()
    assert Case.objects.get(pk=case.pk).escalation_level == 1, "not before the further period"

    time_machine.move_to(first + step, tick=False)
    escalation.sweep()
    assert Case.objects.get(pk=case.pk).escalation_level == 2
    assert "p_supervisor" in notified("case.escalated", case), "level 2: the county leadership"

    time_machine.move_to(first + 2 * step, tick=False)
    escalation.sweep()
    assert Case.objects.get(pk=case.pk).escalation_level == 3
    assert "p_city_supervisor" in notified("case.escalated", case), "level 3: the city"

    time_machine.move_to(first + 3 * step, tick=False)
    escalation.sweep()
    case.refresh_from_db()
    assert case.escalation_level == 4  # the province: the top of this chain
    assert case.next_escalation_at is None
    time_machine.move_to(first + 10 * step, tick=False)
    escalation.sweep()
    assert Case.objects.get(pk=case.pk).escalation_level == 4
    assert [e.data["level"] for e in escalations(case)] == [1, 2, 3, 4]


def test_triage_escalates_to_the_county_when_the_dispatch_centre_has_no_supervisor(org, flow, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    case = flow.reported()
    time_machine.move_to(case.due_at + timedelta(minutes=1), tick=False)
    escalation.sweep()
    [event] = escalations(case)
    assert event.data["unit"] == org.dispatch.pk and event.data["notified_unit"] == org.county.pk
    assert notified("case.escalated", case) == ["p_supervisor"]


def test_overdue_feedback_escalates_to_the_township_supervisor(flow, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    case = flow.resolved()
    time_machine.move_to(case.due_at + timedelta(minutes=1), tick=False)
    escalation.sweep()
    assert notified("case.escalated", case) == ["p_township_supervisor"]


def test_a_paused_case_is_not_escalated(org, flow, time_machine):
    from cases import services

    time_machine.move_to(MONDAY, tick=False)
    case = services.case_request_info(case=flow.assigned(), actor=org.officer, question="请补充照片。")
    time_machine.move_to(case.due_at + timedelta(days=3), tick=False)
    assert escalation.sweep()["escalated"] == 0


def test_warning_goes_once_to_the_people_who_must_act(org, flow, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    case = flow.assigned()
    time_machine.move_to(case.warn_at + timedelta(minutes=1), tick=False)
    assert escalation.sweep()["warned"] == 1
    assert escalation.sweep()["warned"] == 0
    assert notified("case.deadline_warning", case) == ["p_officer", "p_officer_a2"]
    assert CaseEvent.objects.filter(case=case, action="case.deadline_warning").count() == 1
    case.refresh_from_db()
    assert case.warned_at is not None and case.escalation_level == 0


def test_warning_for_a_claimed_case_goes_to_the_officer_who_claimed_it(org, flow, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    case = flow.claimed()
    time_machine.move_to(case.warn_at + timedelta(minutes=1), tick=False)
    escalation.sweep()
    assert notified("case.deadline_warning", case) == ["p_officer"]


def test_a_crash_mid_batch_leaves_nothing_half_done_and_the_next_run_finishes(flow, time_machine, monkeypatch):
    time_machine.move_to(MONDAY, tick=False)
    cases = [flow.assigned() for _ in range(3)]
    time_machine.move_to(cases[0].due_at + timedelta(hours=1), tick=False)
    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    # The level is raised and the events are written; then the worker dies before the notifications.
    monkeypatch.setattr(escalation, "_insert_notifications", crash)
    with pytest.raises(RuntimeError):
        escalation.sweep()
    assert not Case.objects.filter(escalation_level__gt=0).exists()
    assert not CaseEvent.objects.filter(action="case.escalated").exists()
    monkeypatch.undo()
    assert escalation.sweep()["escalated"] == 3
    assert Case.objects.filter(escalation_level=1).count() == 3


def test_an_email_whose_kick_never_reached_the_broker_is_sent_once_by_the_outbox_task(
    flow, time_machine, monkeypatch, django_capture_on_commit_callbacks
):
    from governance import tasks as governance_tasks

    time_machine.move_to(MONDAY, tick=False)
    case = flow.assigned()
    governance_tasks.deliver_notification_emails.delay()  # the assignment's own emails
    mail.outbox.clear()

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(governance_tasks.deliver_notification_emails, "delay", broker_down)
    time_machine.move_to(case.due_at + timedelta(minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        escalation.sweep()
    case.refresh_from_db()
    assert case.escalation_level == 1, "a mail failure never blocks the escalation"
    [note] = Notification.objects.filter(kind="case.escalated", subject=f"case:{case.pk}")
    assert note.email_pending and note.emailed_at is None and not mail.outbox

    monkeypatch.undo()
    # Beat's next run of the outbox (the escalation and the warning the same sweep sent).
    assert governance_tasks.deliver_notification_emails.delay().get() == {"sent": 3, "failed": 0}
    note.refresh_from_db()
    assert note.emailed_at is not None and not note.email_pending
    assert sorted(m.to[0] for m in mail.outbox) == [
        "p_dept_supervisor@example.test", "p_officer@example.test", "p_officer_a2@example.test",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        escalation.sweep()
    governance_tasks.deliver_notification_emails.delay()
    assert len(mail.outbox) == 3, "an email already sent is not sent again"


def test_the_task_records_the_heartbeat_that_healthz_shows(org, flow, client, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    case = flow.assigned()
    time_machine.move_to(case.due_at + timedelta(minutes=1), tick=False)
    sweep_deadlines.delay()
    body = client.get("/healthz").json()
    assert body["sweep"]["last_run_at"] is not None
    assert body["sweep"]["ok"] is True
    assert body["sweep"]["result"]["escalated"] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a transactional test cannot flush SQLite's append-only "
                    "events (DELETE is refused); the embedded-mode test runs two SQLite worker processes")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_escalate_each_case_once(org, flow, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    cases = [flow.assigned() for _ in range(12)]
    time_machine.move_to(cases[0].due_at + timedelta(minutes=5), tick=False)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(escalation.sweep(batch_size=3))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(r["escalated"] for r in results) == 12
    assert CaseEvent.objects.filter(action="case.escalated").count() == 12
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("escalation_level", flat=True)) == {1}
    assert Notification.objects.filter(kind="case.escalated").count() == 12


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_sweep_skips_cases_another_sweep_holds_and_the_next_run_takes_them(org, flow, time_machine):
    """Deterministic half of the race: rows locked by a sweep in progress (here, a transaction on a
    second connection) are skipped, not waited for and not escalated twice; once released, the next
    run escalates them."""
    from django.db import connections, transaction

    time_machine.move_to(MONDAY, tick=False)
    held, free = flow.assigned(), flow.assigned()
    time_machine.move_to(held.due_at + timedelta(minutes=5), tick=False)
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                list(Case.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    assert locked.wait(timeout=10)
    first = escalation.sweep()
    release.set()
    thread.join(timeout=30)
    assert done.is_set()
    assert first["escalated"] == 1
    assert [e.case_id for e in CaseEvent.objects.filter(action="case.escalated")] == [free.pk]
    second = escalation.sweep()
    assert second["escalated"] == 1
    assert Case.objects.get(pk=held.pk).escalation_level == 1
    assert Case.objects.get(pk=free.pk).escalation_level == 1
    assert CaseEvent.objects.filter(action="case.escalated").count() == 2


def test_a_transient_database_error_is_retried_and_the_run_completes(db, monkeypatch):
    from django.db import OperationalError

    from governance.models import JobHeartbeat

    calls = []
    real_sweep = escalation.sweep

    def flaky(now=None, **kwargs):
        calls.append(now)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_sweep(now, **kwargs)

    monkeypatch.setattr(escalation, "sweep", flaky)
    result = sweep_deadlines.apply(throw=False)
    assert result.successful(), result.traceback
    assert len(calls) == 2, "retried once after the transient error"
    assert JobHeartbeat.objects.get(name="deadline-sweep").last_result["escalated"] == 0
