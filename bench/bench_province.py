"""A province on one PostgreSQL (issue 15): queue pages and the county search at growing case counts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chuishao .venv/bin/python bench/bench_province.py [--keep | --reuse]
    BENCH_PROVINCE_STEPS=500000,1000000,2000000   # case counts measured (default); 10000000 if disk and time allow

It creates its own database (<name>_province), migrates it and generates a province: 10 cities, 100 counties
(each with a dispatch centre and 10 departments), 1,000 townships, one persona per role in the first county, and
cases with generate_series in steps (realistic mixes: 65 % closed, 7 % resolved, 14 % assigned of which half
claimed, 7 % reported or triaged, 7 % returned or withdrawn; closed ones up to three years old, open ones up to 60
days; a fifth of the open ones past their deadline). At each step it prints, for every queue page and the
dispatcher's county search, the median server time of the real view (in process, Django test client, 7 runs)
against the 100 ms target, then the table sizes and the plans (EXPLAIN ANALYZE) of the queue queries at the
largest step. The full 10M rows do not fit a run on the shared 2-core machine: measure 0.5M/1M/2M and read
the growth (a page whose time does not grow with the table is index-bound; see the plans).
"""

import os
import statistics
import sys
import time
from pathlib import Path

from database import bench_database_url, case_insert_columns, recreate_database, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = [int(s) for s in os.environ.get("BENCH_PROVINCE_STEPS", "500000,1000000,2000000").split(",") if s]
CITIES, COUNTIES_PER_CITY, TOWNSHIPS_PER_COUNTY, DEPTS_PER_COUNTY = 10, 10, 10, 10
TARGET_MS = 100.0








def build_province():
    """Units with their materialised paths in bulk (unit_create one by one would take minutes), personas."""
    from django.contrib.auth import get_user_model

    from governance.models import Level, Role, Unit, UnitKind
    from governance.services import membership_grant

    def bulk(rows):
        made = Unit.objects.bulk_create([Unit(**row) for row in rows])
        for unit in made:
            parent_path = unit.parent.path if unit.parent_id else "/"
            unit.path = f"{parent_path}{unit.pk}/"
        Unit.objects.bulk_update(made, ["path"])
        return made

    province = bulk([dict(code="P", name="示范省", level=Level.PROVINCE, kind=UnitKind.GOVERNMENT)])[0]
    cities = bulk([dict(code=f"C{c:02d}", name=f"第{c}市", level=Level.CITY, kind=UnitKind.GOVERNMENT, parent=province)
                   for c in range(CITIES)])
    counties = bulk([dict(code=f"X{c:03d}", name=f"第{c}县", level=Level.COUNTY, kind=UnitKind.GOVERNMENT,
                          parent=cities[c // COUNTIES_PER_CITY]) for c in range(CITIES * COUNTIES_PER_CITY)])
    centres = bulk([dict(code=f"{x.code}-ZHZX", name=f"{x.name}指挥中心", level=Level.COUNTY, kind=UnitKind.DISPATCH,
                         parent=x) for x in counties])
    townships = bulk([dict(code=f"{x.code}-T{t}", name=f"{x.name}第{t}镇", level=Level.TOWNSHIP,
                           kind=UnitKind.GOVERNMENT, parent=x) for x in counties for t in range(TOWNSHIPS_PER_COUNTY)])
    depts = bulk([dict(code=f"{x.code}-D{d}", name=f"{x.name}第{d}局", level=Level.COUNTY, kind=UnitKind.DEPARTMENT,
                       parent=x) for x in counties for d in range(DEPTS_PER_COUNTY)])
    User = get_user_model()

    def person(username, unit, role):
        user = User.objects.create(username=username, first_name=username, email=f"{username}@example.test")
        membership_grant(user=user, unit=unit, role=role)
        return user

    personas = {
        "reporter": person("reporter", townships[0], Role.REPORTER),
        "dispatcher": person("dispatcher", centres[0], Role.DISPATCHER),
        "officer": person("officer", depts[0], Role.OFFICER),
        "supervisor": person("supervisor", counties[0], Role.SUPERVISOR),
        "city_supervisor": person("city_supervisor", cities[0], Role.SUPERVISOR),
    }
    return personas, [t.pk for t in townships], [d.pk for d in depts], [c.pk for c in centres]


def load_cases(first, count, now, townships, depts, centres):
    """Cases first .. first+count-1 in one INSERT … SELECT generate_series; every NOT NULL column gets a value."""
    from django.db import connection

    from cases.models import Case

    t = f"mod(g, {len(townships)})"  # township index; its county is t / TOWNSHIPS_PER_COUNTY
    county = f"({t} / {TOWNSHIPS_PER_COUNTY})"
    r = "mod(g * 7919, 100)"  # the state mix
    state = (f"CASE WHEN {r} < 65 THEN 'closed' WHEN {r} < 72 THEN 'resolved' WHEN {r} < 86 THEN 'assigned' "
             f"WHEN {r} < 90 THEN 'reported' WHEN {r} < 93 THEN 'triaged' WHEN {r} < 97 THEN 'returned' "
             "ELSE 'withdrawn' END")
    is_open = f"({r} >= 65 AND {r} < 93)"
    age = f"(CASE WHEN {is_open} THEN mod(g * 31, 60) ELSE mod(g * 104729, 1095) END)::int"  # days
    has_dept = f"({r} < 86)"
    specific = {
        "number": "'P-' || lpad(g::text, 9, '0')",
        "title": "(ARRAY['夜市油烟扰民','占道经营','河道垃圾','违法建设','路灯损坏','噪音扰民'])[1 + mod(g, 6)] || ' ' || g",
        "description": "'省级规模基准测试事项'",
        "address": "'解放路' || mod(g, 500) || '号'",
        "township_id": f"(%(towns)s::bigint[])[1 + {t}]",
        "dispatch_centre_id": f"(%(centres)s::bigint[])[1 + {county}]",
        "lead_department_id": (f"CASE WHEN {has_dept} THEN (%(depts)s::bigint[])"
                               f"[1 + {county} * {DEPTS_PER_COUNTY} + mod(g / 7, {DEPTS_PER_COUNTY})] END"),
        "state": state,
        "stage": (f"CASE WHEN {r} >= 86 AND {r} < 93 THEN 'triage' WHEN {r} >= 72 AND {r} < 79 THEN 'response' "
                  f"WHEN {r} >= 79 AND {r} < 86 THEN 'resolution' WHEN {r} >= 65 AND {r} < 72 THEN 'feedback' "
                  "ELSE '' END"),
        "urgency": "CASE WHEN mod(g, 20) = 0 THEN 'urgent' ELSE 'normal' END",
        "channel": "CASE WHEN mod(g, 5) = 0 THEN 'resident' ELSE 'staff' END",
        "created_at": f"%(now)s - make_interval(days => {age}, mins => mod(g, 1440)::int)",
        "updated_at": f"%(now)s - make_interval(days => {age})",
        "stage_started_at": f"CASE WHEN {is_open} THEN %(now)s - make_interval(days => {age}) END",
        "due_at": f"CASE WHEN {is_open} THEN %(now)s + make_interval(days => (mod(g, 10) - 2)::int) END",
        "claimed_at": f"CASE WHEN {r} >= 79 AND {r} < 86 THEN %(now)s - make_interval(days => {age}) END",
        "escalation_level": f"CASE WHEN {is_open} AND mod(g, 10) < 2 THEN 1 ELSE 0 END",
        "closed_at": f"CASE WHEN {r} < 65 THEN %(now)s - make_interval(days => {age}) + interval '5 days' END",
    }
    columns, values = case_insert_columns(specific, "bench_province")
    sql = (f"INSERT INTO {Case._meta.db_table} ({', '.join(columns)}) "
           f"SELECT {', '.join(values)} FROM generate_series({first}::bigint, {first + count - 1}::bigint) AS g")
    with connection.cursor() as cur:
        cur.execute(sql, {"now": now, "towns": townships, "depts": depts, "centres": centres})
        cur.execute(f"ANALYZE {Case._meta.db_table}")


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
    from cases import selectors

    plans = [
        ("triage queue", selectors.triage_queue(personas["dispatcher"])),
        ("department queue", selectors.department_queue(personas["officer"])),
        ("township list", selectors.township_cases(personas["reporter"])),
        ("supervision (county)", selectors.supervision_list(personas["supervisor"])),
    ]
    for label, qs in plans:
        print(f"  -- plan: {label} (first page)")
        for line in qs[:25].explain(analyze=True).splitlines():
            print(f"     {line}")


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
    from django.utils import timezone

    from governance.calendar import sync_calendar

    sync_calendar()
    now = timezone.now().replace(microsecond=0)
    t0 = time.perf_counter()
    personas, townships, depts, centres = build_province()
    print(f"  province: {len(townships):,} townships, {len(centres)} counties, {len(depts):,} departments "
          f"({time.perf_counter() - t0:.1f} s)")
    loaded, results = 0, {}
    for step in STEPS:
        t0 = time.perf_counter()
        load_cases(loaded, step - loaded, now, townships, depts, centres)
        print(f"  loaded {step - loaded:,} cases to {step:,} in {time.perf_counter() - t0:.1f} s")
        loaded = step
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
    explain_queues(personas)
    print(f"  province pages: {'OK' if not failures else 'OVER TARGET: ' + ', '.join(sorted(set(failures)))}")


if __name__ == "__main__":
    main()
