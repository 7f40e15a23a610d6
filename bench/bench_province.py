"""A province on one PostgreSQL (issue 15): queue pages and the county search at growing case counts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chuishao .venv/bin/python bench/bench_province.py [--keep | --reuse]
    BENCH_PROVINCE_STEPS=500000,1000000,2000000   # case counts measured (default); 10000000 if disk and time allow

It creates its own database (<name>_province), migrates it and grows a province step by step with the
management command `generate_province` (bench/management/commands: 10 cities, 100 counties each with a
dispatch centre and 10 departments, 1,000 townships, one persona per role in the first county and city, and
cases with realistic state, age and deadline mixes; see its docstring). At each step it prints, for every
queue page and the dispatcher's county search, the median server time of the real view (in process, Django
test client, 7 runs) against the 100 ms target; then, at the largest step, the sweep finding nothing due
(median of 20, target < 50 ms), the table sizes and the plans (EXPLAIN ANALYZE) of the queue queries, the
city's supervision page and the county text search. Read the growth between steps: a page whose time does
not grow with the table is index-bound (see the plans).
"""

import os
import statistics
import sys
import time
from pathlib import Path

from database import bench_database_url, empty_sweep_times, recreate_database, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = [int(s) for s in os.environ.get("BENCH_PROVINCE_STEPS", "500000,1000000,2000000").split(",") if s]
TOWNSHIPS, COUNTIES = 1000, 100
TARGET_MS = 100.0








PAGES = [
    ("reporter", "cases:township_list", "", "乡镇事项列表"),
    ("dispatcher", "cases:triage_queue", "", "分拨队列"),
    ("officer", "cases:department_queue", "", "部门待办"),
    ("supervisor", "cases:supervision", "", "督办（县）"),
    ("city_supervisor", "cases:supervision", "", "督办（市，10 县）"),
    ("dispatcher", "cases:search", "?q=占道经营", "县内查询：文字"),
    ("dispatcher", "cases:search", "?overdue=true", "县内查询：超时"),
    ("dispatcher", "cases:search", "?q=P-000000123", "县内查询：编号"),
]


def time_pages(personas):
    from django.test import Client
    from django.urls import reverse

    clients = {}
    rows = []
    for persona, name, query, label in PAGES:
        client = clients.get(persona)
        if client is None:
            client = clients[persona] = Client()
            client.force_login(personas[persona])
        url = reverse(name) + query
        response = client.get(url)
        if response.status_code != 200:
            rows.append((label, url, None, response.status_code))
            continue
        runs = []
        for _ in range(7):
            t0 = time.perf_counter()
            client.get(url)
            runs.append((time.perf_counter() - t0) * 1000)
        rows.append((label, url, statistics.median(runs), 200))
    return rows


def table_sizes():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("""
            SELECT c.relname, c.reltuples::bigint, pg_size_pretty(pg_relation_size(c.oid)),
                   pg_size_pretty(pg_indexes_size(c.oid)), pg_size_pretty(pg_total_relation_size(c.oid))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8""")
        return cur.fetchall()


def explain_queues(personas):
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from cases import search, selectors

    plans = [
        ("triage queue", selectors.triage_queue(personas["dispatcher"])),
        ("department queue", selectors.department_queue(personas["officer"])),
        ("township list", selectors.township_cases(personas["reporter"])),
    ]
    for label, qs in plans:
        print(f"  -- plan: {label} (first page)")
        for line in qs[:25].explain(analyze=True).splitlines():
            print(f"     {line}")
    # The paged lists: every query on cases_case the page runs (counts included).
    request = RequestFactory().get("/cases/search/", {"q": "占道经营"})
    request.user = personas["dispatcher"]
    paged = [
        ("supervision (city, 10 counties)", lambda: selectors.supervision_page(
            selectors.supervision_list(personas["city_supervisor"]), 1, 20)),
        ("supervision (county)", lambda: selectors.supervision_page(selectors.supervision_list(personas["supervisor"]), 1, 20)),
        ("county search: text", lambda: selectors.case_page(search.case_search(request).qs, 1, 20)),
    ]
    for label, run_page in paged:
        with CaptureQueriesContext(connection) as ctx:
            run_page()
        for n, query in enumerate(q for q in ctx.captured_queries if '"cases_case"' in q["sql"]):
            print(f"  -- plan: {label}, query {n + 1}")
            with connection.cursor() as cur:
                cur.execute(f"EXPLAIN ANALYZE {query['sql']}")
                for (line,) in cur.fetchall():
                    print(f"     {line}")


def time_quiet_sweep():
    """The sweep finding nothing due, just before the next deadline falls due (median of 20 runs, ms)."""
    from datetime import timedelta

    from django.db.models import Min

    from cases.models import OPEN_STATES, Case

    first_due = Case.objects.filter(state__in=OPEN_STATES, escalation_level=0).aggregate(t=Min("due_at"))["t"]
    quiet = first_due - timedelta(seconds=1)
    return statistics.median(empty_sweep_times(quiet))


def reuse(url):
    """--reuse: time the pages again on a database kept by an earlier --keep run (no reload)."""
    setup_django(url, migrate=False, environ={"DEBUG": "0", "ALLOWED_HOSTS": os.environ.get("ALLOWED_HOSTS", "testserver")})
    from django.contrib.auth import get_user_model

    from cases.models import Case

    users = get_user_model().objects
    personas = {n: users.get(username=n) for n in ("reporter", "dispatcher", "officer", "supervisor", "city_supervisor")}
    print(f"  re-timed on {Case.objects.count():,} kept cases (median server time, 7 runs; target < {TARGET_MS:.0f} ms)")
    for label, _url, ms, status in time_pages(personas):
        print(f"  {label:<22} {f'{ms:8.1f} ms' if ms is not None else 'HTTP ' + str(status)}")


def main():
    sys.stdout.reconfigure(line_buffering=True)  # progress is visible while a step loads
    keep = "--keep" in sys.argv
    admin_url, url, name = bench_database_url("bench_province", "_province")
    if "--reuse" in sys.argv:
        reuse(url)
        return
    print(f"bench_province: steps {', '.join(f'{s:,}' for s in STEPS)} cases, database {name}")
    recreate_database(admin_url, name)
    try:
        run(url)
    finally:
        if not keep:
            from django.db import connections

            connections.close_all()
            recreate_database(admin_url, name, drop_only=True)


def run(url):
    setup_django(url, environ={"DEBUG": "0", "ALLOWED_HOSTS": os.environ.get("ALLOWED_HOSTS", "testserver")})
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from governance.calendar import sync_calendar

    sync_calendar()
    results = {}
    for step in STEPS:
        call_command("generate_province", townships=TOWNSHIPS, counties=COUNTIES, cases=step, stdout=sys.stdout)
        users = get_user_model().objects
        personas = {n: users.get(username=n) for n in ("reporter", "dispatcher", "officer", "supervisor", "city_supervisor")}
        results[step] = time_pages(personas)
    print()
    print(f"  {'page':<22} " + " ".join(f"{s:>10,}" for s in STEPS) + f"   target < {TARGET_MS:.0f} ms (median, server)")
    failures = []
    for i, (*_, label) in enumerate(PAGES):
        cells = []
        for step in STEPS:
            _, _, ms, status = results[step][i]
            cells.append(f"{ms:>8.1f}ms" if ms is not None else f"{'HTTP ' + str(status):>10}")
            if ms is None or (step == STEPS[-1] and ms >= TARGET_MS):
                failures.append(label)
        print(f"  {label:<22} " + " ".join(cells))
    print()
    print("  table sizes at the largest step (rows estimated, heap, indexes, total):")
    for row in table_sizes():
        print(f"    {row[0]:<40} {row[1]:>12,} {row[2]:>10} {row[3]:>10} {row[4]:>10}")
    quiet = time_quiet_sweep()
    print(f"  sweep finding nothing due: median {quiet:.1f} ms over 20 runs (target < 50 ms)")
    explain_queues(personas)
    print(f"  province pages: {'OK' if not failures else 'OVER TARGET: ' + ', '.join(sorted(set(failures)))}")


if __name__ == "__main__":
    main()
