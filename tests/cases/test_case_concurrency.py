"""Two people acting at once, on real PostgreSQL with two real connections (one per thread).

The first service to lock the row holds it while it writes its event (a pause is injected there so the
second really waits on the lock); the second then re-reads the row and loses with a CaseConflict.
"""

import threading
import time

import pytest
from django.db import connection

from cases import services
from cases.exceptions import CaseConflict
from cases.models import Case, CaseEvent, CaseState

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls, hold=0.4, monkeypatch):
    """Run the calls in parallel threads; the first to write an event holds its lock for `hold` seconds."""
    real_event = services.case_event_write
    first = threading.Lock()

    def slow_event(*args, **kwargs):
        if first.acquire(blocking=False):
            time.sleep(hold)
        return real_event(*args, **kwargs)

    monkeypatch.setattr(services, "case_event_write", slow_event)
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = ("ok", call())
        except CaseConflict as exc:
            results[index] = ("conflict", exc)
        except Exception as exc:  # noqa: BLE001 - anything else is a failure the test reports
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_officers_claim_at_once_one_wins_and_the_other_is_told(org, flow, monkeypatch):
    case = flow.assigned()
    stale_a, stale_b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    results = _race(
        lambda: services.case_claim(case=stale_a, actor=org.officer),
        lambda: services.case_claim(case=stale_b, actor=org.officer_a2),
        monkeypatch=monkeypatch,
    )
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["conflict", "ok"], results
    loser = next(r[1] for r in results if r[0] == "conflict")
    assert "签收" in str(loser.message)
    case.refresh_from_db()
    assert CaseEvent.objects.filter(case=case, action="case.claimed").count() == 1
    winner = next(r[1] for r in results if r[0] == "ok")
    assert case.claimed_by_id == winner.claimed_by_id


def test_dispatcher_reassigns_while_officer_resolves_one_wins(org, flow, monkeypatch):
    case = flow.claimed()
    stale_a, stale_b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    results = _race(
        lambda: services.case_reassign(case=stale_a, actor=org.dispatcher, lead_department=org.dept_b,
                                       reason="属综合执法"),
        lambda: services.case_resolve(case=stale_b, actor=org.officer, note="已整改"),
        monkeypatch=monkeypatch,
    )
    assert sorted(r[0] for r in results) == ["conflict", "ok"], results
    case.refresh_from_db()
    resolved = CaseEvent.objects.filter(case=case, action="case.resolved").count()
    reassigned = CaseEvent.objects.filter(case=case, action="case.reassigned").count()
    assert resolved + reassigned == 1
    if resolved:
        assert case.state == CaseState.RESOLVED and case.lead_department == org.dept
    else:
        assert case.state == CaseState.ASSIGNED and case.lead_department == org.dept_b and case.claimed_by is None


def test_reporter_withdraws_while_dispatcher_assigns_one_wins(org, lists, flow, monkeypatch):
    case = flow.reported()
    stale_a, stale_b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    results = _race(
        lambda: services.case_withdraw(case=stale_a, actor=org.reporter),
        lambda: services.case_assign(case=stale_b, actor=org.dispatcher, list_item=lists.assisting),
        monkeypatch=monkeypatch,
    )
    assert sorted(r[0] for r in results) == ["conflict", "ok"], results
    case.refresh_from_db()
    assert case.state in (CaseState.WITHDRAWN, CaseState.ASSIGNED)
    assert CaseEvent.objects.filter(case=case).exclude(action="case.reported").count() == 1


def test_a_stale_save_without_the_lock_is_refused_by_the_fsm_library(org, flow):
    """Second line of defence: ConcurrentTransitionMixin refuses to save a state that changed underneath."""
    from django.utils import timezone

    case = flow.reported()
    stale = Case.objects.get(pk=case.pk)
    services.case_triage(case=case, actor=org.dispatcher)
    stale.withdraw(now=timezone.now())
    with pytest.raises(CaseConflict):
        services._save(stale, ["closed_at"])
    case.refresh_from_db()
    assert case.state == CaseState.TRIAGED


def test_numbers_stay_unique_when_two_townships_report_at_once(org, lists, monkeypatch):
    results = _race(
        lambda: services.case_report(actor=org.reporter, township=org.township, title="a", description="d",
                                     address="x"),
        lambda: services.case_report(actor=org.reporter_b, township=org.township_b, title="b", description="d",
                                     address="y"),
        monkeypatch=monkeypatch, hold=0.2,
    )
    assert [r[0] for r in results] == ["ok", "ok"], results
    numbers = {r[1].number for r in results}
    assert len(numbers) == 2
