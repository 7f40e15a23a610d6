"""Benchmark of the deadline sweep on PostgreSQL (issue 5). Run by `make bench`, or directly:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chuishao .venv/bin/python bench/bench_sweep.py [--keep]

It creates its own database (<name>_bench next to DATABASE_URL's), migrates it, bulk-loads
1,000,000 cases with generate_series (10,000 of them overdue at the benchmark's "now"), then prints:
  (a) a sweep that finds nothing due (median of 20 runs; must be well under 50 ms) and the plans of
      its three queries, which must use the partial indexes, not scan the table;
  (b) one sweep escalating the 10,000 overdue cases (must be under 10 s), with its checks;
  (c) the same escalation as the simplest raw SQL (one UPDATE, one INSERT … SELECT for the events,
      no notifications, no per-case chain) as a baseline, and the ratio.
The database is dropped at the end unless --keep is given. No worker runs here: the emails stay
pending in the outbox and the after-commit kick is replaced by a counter; everything else is the
real code.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from database import bench_database_url, case_insert_columns, empty_sweep_times, recreate_database, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOTAL = int(os.environ.get("BENCH_CASES", 1_000_000))
OVERDUE = int(os.environ.get("BENCH_OVERDUE", 10_000))
DEPARTMENTS = 20








def build_org():
    from django.contrib.auth import get_user_model

    from governance.models import Level, Role, UnitKind
    from governance.services import membership_grant, unit_create

    User = get_user_model()
    city = unit_create(code="C", name="示范市", level=Level.CITY, kind=UnitKind.GOVERNMENT)
    county = unit_create(code="X", name="示范县", level=Level.COUNTY, kind=UnitKind.GOVERNMENT, parent=city)
    unit_create(code="X-ZHZX", name="指挥中心", level=Level.COUNTY, kind=UnitKind.DISPATCH, parent=county)
    township = unit_create(code="X-CG", name="城关街道", level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT, parent=county)
    depts = []
    for i in range(DEPARTMENTS):
        dept = unit_create(code=f"X-D{i}", name=f"县部门{i}", level=Level.COUNTY, kind=UnitKind.DEPARTMENT, parent=county)
        for j in range(2):
            user = User.objects.create(username=f"sup{i}_{j}", first_name=f"督办{i}-{j}", email=f"sup{i}_{j}@example.test")
            membership_grant(user=user, unit=dept, role=Role.SUPERVISOR)
        depts.append(dept)
    for name, unit in (("county_sup", county), ("city_sup", city)):
        membership_grant(user=User.objects.create(username=name, email=f"{name}@example.test"), unit=unit,
                         role=Role.SUPERVISOR)
    return township, depts


def load_cases(now, township, depts):
    """1,000,000 rows in one INSERT … SELECT generate_series. Every NOT NULL column gets a value,
    whatever columns the Case model has today (read from its _meta)."""
    from django.db import connection

    from cases.models import Case

    overdue_from = TOTAL - OVERDUE  # the last OVERDUE rows are overdue
    open_from = int(TOTAL * 0.7)  # 70 % closed, the rest open with a deadline ahead
    specific = {
        "number": "'B-' || lpad(g::text, 8, '0')",
        "title": "'油烟扰民 ' || g",
        "description": "'基准测试事项'",
        "address": "'城关街道解放路'",
        "township_id": str(township.pk),
        "lead_department_id": f"({depts[0].pk} + mod(g, {len(depts)}))",
        "state": f"CASE WHEN g < {open_from} THEN 'closed' ELSE 'assigned' END",
        "stage": "'resolution'",
        "urgency": "'normal'",
        "channel": "'staff'",
        "created_at": "%(now)s - interval '30 days'",
        "updated_at": "%(now)s - interval '30 days'",
        "stage_started_at": "%(now)s - interval '5 days'",
        "due_at": (f"CASE WHEN g < {open_from} THEN NULL WHEN g >= {overdue_from} THEN %(now)s - interval '1 hour' "
                   "ELSE %(now)s + interval '3 days' END"),
        "resolution_due_at": (f"CASE WHEN g < {open_from} THEN NULL WHEN g >= {overdue_from} "
                              "THEN %(now)s - interval '1 hour' ELSE %(now)s + interval '3 days' END"),
        "warn_at": (f"CASE WHEN g < {open_from} THEN NULL WHEN g >= {overdue_from} THEN %(now)s - interval '20 hours' "
                    "ELSE %(now)s + interval '2 days' END"),
        "warned_at": f"CASE WHEN g >= {overdue_from} THEN %(now)s - interval '20 hours' ELSE NULL END",
        "escalation_level": "0",
        "closed_at": f"CASE WHEN g < {open_from} THEN %(now)s - interval '20 days' ELSE NULL END",
    }
    columns, values = case_insert_columns(specific, "bench_sweep")
    sql = (f"INSERT INTO {Case._meta.db_table} ({', '.join(columns)}) "
           f"SELECT {', '.join(values)} FROM generate_series(0, {TOTAL - 1}) AS g")
    with connection.cursor() as cur:
        cur.execute(sql, {"now": now})
        cur.execute(f"ANALYZE {Case._meta.db_table}")


def explain(qs, label):
    plan = qs.explain(analyze=True, buffers=False)
    print(f"  -- plan: {label}")
    for line in plan.splitlines():
        print(f"     {line}")
    return plan


def main():
    keep = "--keep" in sys.argv
    admin_url, url, name = bench_database_url("bench_sweep", "_bench")
    print(f"bench_sweep: {TOTAL:,} cases, {OVERDUE:,} overdue, database {name}")
    recreate_database(admin_url, name)
    try:
        run(url)
    finally:
        if not keep:
            from django.db import connections

            connections.close_all()
            recreate_database(admin_url, name, drop_only=True)


def run(url):
    setup_django(url)
    from django.db import connection, transaction
    from django.utils import timezone

    from cases import escalation
    from cases.models import OPEN_STATES, Case, CaseEvent
    from governance import outbox
    from governance.models import Notification
    from governance.services import system_user

    enqueued = []
    outbox.kick = lambda: enqueued.append(1)  # no worker here: count the after-commit kicks

    now = timezone.now().replace(microsecond=0)
    township, depts = build_org()
    system_user()
    started = time.perf_counter()
    load_cases(now, township, depts)
    print(f"  loaded {Case.objects.count():,} cases in {time.perf_counter() - started:.1f} s "
          f"({Case.objects.filter(state__in=OPEN_STATES).count():,} open)")

    # (a) Nothing due: one hour before the 10,000 fall due.
    quiet = now - timedelta(hours=2)
    runs = empty_sweep_times(quiet)
    median_a = statistics.median(runs)
    print(f"(a) sweep finding nothing due: median {median_a:.2f} ms, min {min(runs):.2f} ms, max {max(runs):.2f} ms "
          f"over {len(runs)} runs  [target: well under 50 ms] {'OK' if median_a < 50 else 'TOO SLOW'}")
    plans = [
        explain(escalation.overdue_queryset(quiet).order_by("due_at", "pk")[:escalation.BATCH_SIZE], "first escalation (due_at)"),
        explain(escalation.further_queryset(quiet).order_by("next_escalation_at", "pk")[:escalation.BATCH_SIZE],
                "further escalation (next_escalation_at)"),
        explain(escalation.warning_queryset(quiet).order_by("warn_at", "pk")[:escalation.BATCH_SIZE], "warning (warn_at)"),
    ]
    for plan in plans:
        if "Seq Scan on cases_case" in plan:
            print("    !! a sweep query scans the table")
    uses = [ix for ix in ("case_sweep_first_esc", "case_open_next_esc", "case_open_warn_at") if any(ix in p for p in plans)]
    print(f"    partial indexes used: {', '.join(uses)}")

    # (b) Escalate the 10,000.
    t0 = time.perf_counter()
    result = escalation.sweep(now)
    elapsed_b = time.perf_counter() - t0
    events = CaseEvent.objects.filter(action="case.escalated").count()
    notes = Notification.objects.filter(kind="case.escalated").count()
    level_1 = Case.objects.filter(escalation_level=1).count()
    print(f"(b) sweep escalating {result['escalated']:,} cases: {elapsed_b:.2f} s  [target: under 10 s] "
          f"{'OK' if elapsed_b < 10 else 'TOO SLOW'}")
    print(f"    checks: {level_1:,} cases at level 1, {events:,} events, {notes:,} notifications, "
          f"{Notification.objects.filter(email_pending=True).count():,} emails pending in the outbox, "
          f"{len(enqueued)} outbox kicks after commit")
    assert result["escalated"] == OVERDUE == level_1 == events, (result, level_1, events)
    t0 = time.perf_counter()
    again = escalation.sweep(now)
    print(f"    second run at the same time: {again['escalated']} escalated in {(time.perf_counter() - t0) * 1000:.1f} ms "
          "(idempotent)")

    # (c) Baseline: the simplest raw SQL doing the core of the same work.
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {CaseEvent._meta.db_table}, {Notification._meta.db_table}")
        cur.execute(f"UPDATE {Case._meta.db_table} SET escalation_level = 0, escalated_at = NULL, "
                    "next_escalation_at = NULL WHERE escalation_level > 0")
    system = system_user()
    states = tuple(str(s) for s in OPEN_STATES)
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Case._meta.db_table} SET escalation_level = 1, escalated_at = %s, "
            "next_escalation_at = %s, updated_at = %s "
            "WHERE state IN %s AND paused_at IS NULL AND due_at <= %s AND escalation_level = 0",
            [now, now + escalation.step(), now, states, now],
        )
        updated = cur.rowcount
        cur.execute(
            f"INSERT INTO {CaseEvent._meta.db_table} (case_id, actor_id, actor_name, action, from_state, to_state, "
            "reason, data, created_at) "
            "SELECT id, %s, '系统', 'case.escalated', state, state, '超过时限，升级督办', "
            "jsonb_build_object('level', 1), %s "
            f"FROM {Case._meta.db_table} WHERE escalation_level = 1 AND escalated_at = %s",
            [system.pk, now, now],
        )
        inserted = cur.rowcount
    elapsed_c = time.perf_counter() - t0
    print(f"(c) raw SQL baseline (1 UPDATE + 1 INSERT … SELECT, no notifications): {updated:,} updated, "
          f"{inserted:,} events in {elapsed_c:.2f} s")
    print(f"    ratio sweep / baseline: {elapsed_b / elapsed_c:.1f}x  "
          "(the sweep also locks per batch, re-checks each row, works out each case's chain and "
          "writes two notifications per case)")


if __name__ == "__main__":
    main()
