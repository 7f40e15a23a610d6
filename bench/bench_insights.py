"""Benchmark of the policy-jam analysis (insights, issue 13) on PostgreSQL. Run by `make bench`, or directly:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chuishao .venv/bin/python bench/bench_insights.py [--keep]

It creates its own database (<name>_insights_bench), migrates it, builds 1 county with 20 townships and 40
departments and a published list of 60 items (20 basic, 30 assisting, 10 negative), and bulk-loads BENCH_CASES
(1,000,000) cases over twelve months (generate_series) with the audit events the detectors read: reported,
assigned, claimed, resolved, closed, and the jams — returns to the township, departments' declines followed by
reassignments (three items always passed to the same other department), extension requests (three items whose
promptly claimed cases mostly need one), escalations, reopenings (one township far above its peers), and Open311
"其他问题" requests the routing service answered `undecided` (no list item; eight kinds of matter). Then it prints,
beside the targets:
  (a) the target month's findings computed by the real code (insights.services.findings_compute, the daily
      task's work), and the same again (idempotent: the same findings)                        target ≤ 60 s;
  (b) the leadership page (/insights/) through the test client, median server time of 10      target ≤ 200 ms;
  (c) the page's query count, then again after the month grows by BENCH_CASES / 10 cases on four more jammed
      items (more findings, more evidence) and revision proposals are made                   target: equal.
Beside (a) it says whether the findings are exactly the jams the load planted (and nothing else); below some
200,000 cases a month holds too few blocks of each item for the planted shares to come out exactly.
The database is dropped unless --keep.
"""

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from database import bench_database_url, case_insert_columns, recreate_database, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOTAL = int(os.environ.get("BENCH_CASES", 1_000_000))
GROW = TOTAL // 10
TOWNSHIPS, DEPARTMENTS = 20, 40
BASIC, ASSISTING, NEGATIVE = 20, 30, 10
ITEMS = BASIC + ASSISTING + NEGATIVE
START = date(2025, 6, 1)  # twelve months: 2025-06 … 2026-05
TARGET = date(2026, 4, 1)
# Item classes by index (0-based; the first BASIC are basic duties): disputed items are declined by their
# department and reassigned to the same other one; deadline items' promptly claimed cases ask for extensions.
DISPUTED, DEADLINE = {20, 21, 22}, {23, 24, 25}
GROWN_DISPUTED, GROWN_DEADLINE = {26, 27}, {28, 29}
# What residents ask that no list item names (the Open311 general service, routed `undecided`).
GAP_TEXTS = [
    ("电梯广告屏噪音扰民", "小区电梯里的广告屏音量很大，噪音扰民，物业不管"),
    ("共享单车乱停放堵塞通道", "地铁口共享单车乱停放，堵塞盲道和通道"),
    ("快递柜占用消防通道", "小区快递柜摆放在消防通道上，车辆无法通行"),
    ("外卖电动车逆行", "外卖骑手电动车在人行道逆行，老人孩子出行危险"),
    ("直播噪音夜间扰民", "楼下商铺夜间直播带货，音响噪音扰民"),
    ("宠物医院异味", "宠物医院排放异味，楼上住户无法开窗"),
    ("充电桩被燃油车占用", "小区新能源充电桩长期被燃油车占用"),
    ("预付卡商家跑路", "健身房预付卡商家关门跑路，会员无法退费"),
]


def build_org():
    import datetime

    from django.contrib.auth import get_user_model

    from governance.models import Level, Role, Unit, UnitKind
    from governance.services import membership_grant, unit_create
    from responsibilities import services as lists

    city = unit_create(code="C", name="示范市", level=Level.CITY, kind=UnitKind.GOVERNMENT)
    county = unit_create(code="X", name="示范县", level=Level.COUNTY, kind=UnitKind.GOVERNMENT, parent=city)
    townships = [unit_create(code=f"X-T{i:02d}", name=f"乡镇{i}", level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT,
                             parent=county) for i in range(TOWNSHIPS)]
    Unit.objects.filter(pk__in=[t.pk for t in townships]).update(population=50000)
    depts = [unit_create(code=f"X-D{i:02d}", name=f"县部门{i}", level=Level.COUNTY, kind=UnitKind.DEPARTMENT,
                         parent=county) for i in range(DEPARTMENTS)]
    users = get_user_model().objects
    leader = users.create(username="leader", email="leader@example.test")
    membership_grant(user=leader, unit=county, role=Role.SUPERVISOR)
    editors = []
    for name in ("editor", "editor2"):
        editors.append(users.create(username=name, email=f"{name}@example.test"))
        membership_grant(user=editors[-1], unit=county, role=Role.EDITOR)
    duty_list = lists.list_create(actor=editors[0], code="x-township", name="示范县乡镇（街道）履行职责事项清单",
                                  level=Level.TOWNSHIP, jurisdiction=county)
    draft = duty_list.versions.get(number=1)
    for i in range(ITEMS):
        kind = "basic" if i < BASIC else "assisting" if i < BASIC + ASSISTING else "negative"
        lists.list_item_add(version=draft, actor=editors[0], code=f"I-{i:03d}", kind=kind, category="governance",
                            title=f"清单事项{i}", description=f"事项{i}的职责内容",
                            department=None if kind == "basic" else depts[i - BASIC],
                            response_hours=12, resolution_days=3)
    lists.list_publish(version=draft, actor=editors[0], effective_date=datetime.date(2025, 1, 1))
    items = list(draft.items.order_by("code"))
    return county, townships, depts, items, leader, editors


def _array(values):
    return "ARRAY[" + ",".join("NULL" if v is None else str(v) for v in values) + "]::bigint[]"


def load(townships, depts, items, *, first, count, created, item_index, disputed, deadline):
    """`count` cases numbered from `first` (created at the SQL expression `created` of g), each of the item
    `item_index` (SQL of g) or, one in 25, of none (an Open311 request routed `undecided`), with their events.
    Returns the number of events written."""
    from django.db import connection

    from cases.models import Case, CaseEvent

    tw, it = _array(t.pk for t in townships), _array(i.pk for i in items)
    dept = _array(i.department_id for i in items)
    other = _array(None if i.department_id is None else depts[(idx - BASIC + 7) % DEPARTMENTS].pk
                   for idx, i in enumerate(items))
    unmatched = "mod(g, 25) = 24"
    idx = f"(1 + {item_index})"
    basic = f"({idx} <= {BASIC})"
    passed = f"({idx} - 1 = ANY(ARRAY[{','.join(map(str, sorted(disputed)))}]) AND mod(g, 5) < 3)"
    kind = "mod(g, 10)"  # 0-7 closed, 8 claimed, 9 resolved (department cases)
    claimed = f"({created} + interval '3 hours' + CASE WHEN mod(g, 7) = 0 THEN interval '30 hours' ELSE interval '0' END)"
    resolved = f"({claimed} + CASE WHEN mod(g, 11) = 0 THEN interval '5 days' ELSE interval '1 day' END)"
    dept_case = f"(NOT {unmatched} AND NOT {basic})"
    texts = "ARRAY[" + ",".join(f"'{t}'" for t, _d in GAP_TEXTS) + "]"
    descriptions = "ARRAY[" + ",".join(f"'{d}'" for _t, d in GAP_TEXTS) + "]"
    gap = f"1 + mod(g / 25, {len(GAP_TEXTS)})"
    specific = {
        "number": "'B-' || lpad(g::text, 8, '0')",
        "title": f"CASE WHEN {unmatched} THEN ({texts})[{gap}] ELSE '油烟扰民 ' || g END",
        "description": f"CASE WHEN {unmatched} THEN ({descriptions})[{gap}] || '，第' || g || '号' ELSE '基准' END",
        # The township turns with g, shifted once per round of the items, so that every department hears from every
        # township alike (a fixed pattern would give some departments more of township 0's reopenings).
        "address": "'解放路'", "township_id": f"({tw})[1 + mod(g + g / {25 * ITEMS}, {TOWNSHIPS})]",
        "channel": f"CASE WHEN {unmatched} THEN 'open311' ELSE 'staff' END",
        "list_item_id": f"CASE WHEN {unmatched} THEN NULL ELSE ({it})[{idx}] END",
        "lead_department_id": f"CASE WHEN NOT {dept_case} THEN NULL WHEN {passed} THEN ({other})[{idx}] "
                              f"ELSE ({dept})[{idx}] END",
        "state": f"CASE WHEN {unmatched} THEN 'triaged' WHEN {basic} THEN 'returned' WHEN {kind} < 8 THEN 'closed' "
                 f"WHEN {kind} = 8 THEN 'assigned' ELSE 'resolved' END",
        "item_kind": f"CASE WHEN {unmatched} THEN '' WHEN {basic} THEN 'basic' ELSE 'assisting' END",
        "stage": f"CASE WHEN {unmatched} THEN 'triage' ELSE 'resolution' END", "urgency": "'normal'",
        "created_at": created, "updated_at": created,
        "triaged_at": f"{created} + interval '2 hours'",
        "assigned_at": f"CASE WHEN {dept_case} THEN {created} + interval '2 hours' END",
        "response_due_at": f"CASE WHEN {dept_case} THEN {created} + interval '14 hours' END",
        "claimed_at": f"CASE WHEN {dept_case} THEN {claimed} END",
        "resolution_due_at": f"CASE WHEN {dept_case} THEN {claimed} + interval '3 days' END",
        "resolved_at": f"CASE WHEN {dept_case} AND {kind} <> 8 THEN {resolved} END",
        "feedback_due_at": f"CASE WHEN {dept_case} AND {kind} <> 8 THEN {resolved} + interval '2 days' END",
        "feedback_at": f"CASE WHEN {dept_case} AND {kind} < 8 THEN {resolved} + interval '1 day' END",
        "closed_at": f"CASE WHEN {dept_case} AND {kind} < 8 THEN {resolved} + interval '1 day' WHEN {basic} AND NOT "
                     f"{unmatched} THEN {created} + interval '2 hours' END",
        "rating": f"CASE WHEN {dept_case} AND {kind} < 8 THEN (CASE WHEN mod(g, 13) = 0 THEN 'basic' "
                  "ELSE 'satisfied' END) ELSE '' END",
        "escalation_level": "0", "reopen_count": "0",
    }
    columns, values = case_insert_columns(specific, "bench_insights")
    c, e = Case._meta.db_table, CaseEvent._meta.db_table
    ev_cols = "case_id, actor_name, action, from_state, to_state, reason, data, created_at"
    # The new cases, with what the events need: the number g, the item's index, whether it was passed on.
    new = (f"(SELECT c.*, substr(c.number, 3)::bigint AS g, "
           f"array_position({it}, c.list_item_id) - 1 AS idx FROM {c} c WHERE c.id > {{last}}) AS n")
    dept_of = f"({dept})[n.idx + 1]"
    other_of = f"({other})[n.idx + 1]"
    is_passed = f"(n.idx = ANY(ARRAY[{','.join(map(str, sorted(disputed)))}]) AND mod(n.g, 5) < 3)"
    is_deadline = f"(n.idx = ANY(ARRAY[{','.join(map(str, sorted(deadline)))}]) AND mod(n.g, 5) < 3)"
    # (action, from state, to state, data, time, which of the new cases): one INSERT … SELECT each.
    events = [
        ("case.reported", "", "reported", "'{}'::jsonb", "n.created_at", "TRUE"),
        ("case.open311_received", "", "reported", "jsonb_build_object('service_code', 'general', 'routing_verdict', "
         "'undecided', 'routing_model', 'bench')", "n.created_at", "n.list_item_id IS NULL"),
        ("case.returned", "triaged", "returned", "'{}'::jsonb", "n.triaged_at", "n.item_kind = 'basic'"),
        ("case.assigned", "triaged", "assigned", f"jsonb_build_object('lead_department', {dept_of})", "n.triaged_at",
         "n.assigned_at IS NOT NULL"),
        # A dispute: the department declines, the dispatch centre reassigns to the same other department.
        ("case.declined", "assigned", "triaged", f"jsonb_build_object('department', {dept_of})",
         "n.triaged_at + interval '30 minutes'", is_passed),
        ("case.reassigned", "triaged", "assigned",
         f"jsonb_build_object('from_department', {dept_of}, 'to_department', {other_of})",
         "n.triaged_at + interval '45 minutes'", is_passed),
        # Background noise: one decline in 33, sent back to the same department (no other owner named).
        ("case.declined", "assigned", "triaged", f"jsonb_build_object('department', {dept_of})",
         "n.triaged_at + interval '30 minutes'", f"n.assigned_at IS NOT NULL AND NOT {is_passed} AND mod(n.g, 33) = 0"),
        ("case.assigned", "triaged", "assigned", f"jsonb_build_object('lead_department', {dept_of})",
         "n.triaged_at + interval '45 minutes'", f"n.assigned_at IS NOT NULL AND NOT {is_passed} AND mod(n.g, 33) = 0"),
        ("case.claimed", "assigned", "assigned", "'{}'::jsonb", "n.claimed_at", "n.claimed_at IS NOT NULL"),
        ("case.extension_requested", "assigned", "assigned", "'{}'::jsonb", "n.claimed_at + interval '1 day'",
         f"n.claimed_at IS NOT NULL AND ({is_deadline} OR mod(n.g, 50) = 0)"),
        ("case.escalated", "assigned", "assigned", "jsonb_build_object('stage', 'response', 'level', 1)",
         "n.created_at + interval '16 hours'", "n.claimed_at IS NOT NULL AND mod(n.g, 29) = 0"),
        ("case.escalated", "assigned", "assigned", "jsonb_build_object('stage', 'resolution', 'level', 1)",
         "n.resolution_due_at + interval '1 hour'", f"n.claimed_at IS NOT NULL AND {is_deadline} AND mod(n.g, 3) = 0"),
        ("case.resolved", "assigned", "resolved", "'{}'::jsonb", "n.resolved_at", "n.resolved_at IS NOT NULL"),
        # Reopenings: township 0 far above its peers (one in three of its rated cases), the others one in 31.
        ("case.reopened", "resolved", "assigned", "'{}'::jsonb", "n.resolved_at + interval '12 hours'",
         f"n.state = 'closed' AND n.item_kind <> 'basic' AND ((n.township_id = {townships[0].pk} AND mod(n.g, 3) = 0)"
         " OR mod(n.g, 31) = 0)"),
        ("case.closed", "resolved", "closed", "jsonb_build_object('rating', n.rating)", "n.feedback_at",
         "n.state = 'closed' AND n.item_kind <> 'basic'"),
    ]
    with connection.cursor() as cur:
        cur.execute(f"SELECT coalesce(max(id), 0) FROM {c}")
        last = cur.fetchone()[0]
        # As in bench_assessment: the hash-chain trigger (cases 0008) cannot take millions of rows in one
        # statement; the bulk-loaded chains stay unhashed ('', as rows written before that migration).
        cur.execute(f"ALTER TABLE {e} DISABLE TRIGGER cases_caseevent_hash_chain")
        cur.execute(f"ALTER TABLE {e} ALTER COLUMN hash SET DEFAULT '', ALTER COLUMN prev_hash SET DEFAULT ''")
        new = new.format(last=last)
        cur.execute(f"INSERT INTO {c} ({', '.join(columns)}) SELECT {', '.join(values)} "
                    f"FROM generate_series({first}, {first + count - 1}) AS g")
        written = 0
        for action, source, target, data, at, where in events:
            cur.execute(f"INSERT INTO {e} ({ev_cols}) SELECT n.id, '系统', '{action}', '{source}', '{target}', '', "
                        f"{data}, {at} FROM {new} WHERE {where}")
            written += cur.rowcount
        cur.execute(f"ALTER TABLE {e} ALTER COLUMN hash DROP DEFAULT, ALTER COLUMN prev_hash DROP DEFAULT")
        cur.execute(f"ALTER TABLE {e} ENABLE TRIGGER cases_caseevent_hash_chain")
        cur.execute(f"ANALYZE {c}")
        cur.execute(f"ANALYZE {e}")
    return written


def timed(fn, repeat=1):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def line(label, seconds, target=None, unit="s"):
    value = f"{seconds * 1000:8.1f} ms" if unit == "ms" else f"{seconds:8.2f} s"
    verdict = ""
    if target is not None:
        ok = (seconds * 1000 if unit == "ms" else seconds) <= target
        verdict = f"   target ≤ {target} {unit}   {'OK' if ok else 'OVER'}"
    print(f"  {label:<64}{value}{verdict}", flush=True)


def main():
    keep = "--keep" in sys.argv
    admin_url, url, name = bench_database_url("bench_insights", "_insights_bench")
    print(f"bench_insights: {TOTAL:,} cases, {TOWNSHIPS} townships, {DEPARTMENTS} departments, {ITEMS} items, "
          f"database {name}", flush=True)
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
    from cases.models import Case
    from insights.services import findings_compute, month_of

    county, townships, depts, items, leader, editors = build_org()
    t = time.perf_counter()
    created = f"(TIMESTAMPTZ '{START.isoformat()} 09:00+08' + (g::float8 / {TOTAL} * 365) * interval '1 day')"
    events = load(townships, depts, items, first=0, count=TOTAL, created=created, item_index=f"mod(g / 25, {ITEMS})",
                  disputed=DISPUTED, deadline=DEADLINE)
    print(f"  loaded {Case.objects.count():,} cases and {events:,} events in {time.perf_counter() - t:.0f} s",
          flush=True)

    start, end = month_of(TARGET)
    in_month = Case.objects.filter(created_at__date__gte=start, created_at__date__lt=end).count()
    seconds, found = timed(lambda: findings_compute(county, start, end))
    line(f"(a) findings of {start:%Y-%m} ({in_month:,} cases reported in it): {len(found)}", seconds, 60)
    seconds2, again = timed(lambda: findings_compute(county, start, end))
    same = [(f.pk, f.detector, f.subject_key, f.weight) for f in found] == [
        (f.pk, f.detector, f.subject_key, f.weight) for f in again]
    line(f"    the same again (idempotent: the same findings: {'yes' if same else 'NO'})", seconds2, 60)
    report_planted(found, DISPUTED, DEADLINE)
    previous = month_of(date(2026, 3, 1))
    seconds, earlier = timed(lambda: findings_compute(county, *previous))
    line(f"    findings of {previous[0]:%Y-%m} (for the page's follow-up): {len(earlier)}", seconds, 60)
    propose(with_item(earlier)[:1], editors, depts, accept=True)
    propose(with_item(found)[:1], editors, depts)

    client, url = page_client(leader, start)
    small = page(client, url, f"(b) leadership page, {len(found)} findings (median of 10)")

    t = time.perf_counter()
    grown = dict(first=TOTAL, count=GROW, disputed=DISPUTED | GROWN_DISPUTED, deadline=DEADLINE | GROWN_DEADLINE,
                 created=f"(TIMESTAMPTZ '{TARGET.isoformat()} 09:00+08' + (g - {TOTAL})::float8 / {GROW} * 28 "
                         "* interval '1 day')",
                 item_index=f"(ARRAY[{','.join(map(str, sorted(GROWN_DISPUTED | GROWN_DEADLINE)))}])[1 + mod(g / 25, 4)]")
    events = load(townships, depts, items, **grown)
    print(f"  grew {start:%Y-%m} by {GROW:,} cases and {events:,} events in {time.perf_counter() - t:.0f} s",
          flush=True)
    seconds, found = timed(lambda: findings_compute(county, start, end))
    line(f"    findings of {start:%Y-%m} again, now {len(found)}", seconds, 60)
    report_planted(found, DISPUTED | GROWN_DISPUTED, DEADLINE | GROWN_DEADLINE)
    propose(with_item(found)[1:4], editors, depts, accept=True)
    large = page(client, url, f"    leadership page, {len(found)} findings (median of 10)")
    print(f"  (c) page queries: {small} with the first findings, {large} after the month grew   target: equal   "
          f"{'OK' if small == large else 'OVER'}", flush=True)


def report_planted(findings, disputed, deadline):
    """The findings by detector, and whether they are exactly the jams the load planted: each disputed item (and
    its wrong owner), each deadline item, the eight kinds of undecided request, township 0's reopenings (rate and
    dissatisfaction)."""
    counts = {}
    for f in findings:
        counts[f.detector] = counts.get(f.detector, 0) + 1
    planted = {"disputed_item": len(disputed), "wrong_owner": len(disputed), "impossible_deadline": len(deadline),
               "list_gap": len(GAP_TEXTS), "hot_spot": 2}
    print("      by detector (found/planted): " + ", ".join(
        f"{d} {counts.get(d, 0)}/{planted.get(d, 0)}" for d in sorted(set(counts) | set(planted)))
        + f"   {'as planted' if counts == planted else 'NOT as planted'}", flush=True)


def with_item(findings):
    return [f for f in findings if f.item_code]


def propose(findings, editors, depts, accept=False):
    """A revision proposal (and its acceptance) on each finding with an item, through the real services."""
    from insights import services
    from insights.selectors import lists_for_finding

    for finding in findings:
        duty_list = lists_for_finding(finding)[0]
        current = duty_list.versions.get(number=1).items.get(code=finding.item_code)
        target = next(d for d in depts if d.pk != current.department_id)
        proposal = services.proposal_submit(finding=finding, actor=editors[0], duty_list=duty_list,
                                            kind="change_department", item_code=finding.item_code,
                                            reason="基准：建议调整牵头部门", values={"department": target})
        if accept:
            services.proposal_accept(proposal=proposal, actor=editors[1], reason="同意")


def page_client(leader, start):
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(leader)
    return client, f"/insights/?month={start:%Y-%m}"


def page(client, url, label):
    """The page's median time of 10 (after a first request) and its query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    assert response.status_code == 200, response.status_code
    seconds, response = timed(lambda: client.get(url), repeat=10)
    line(f"{label}, {len(response.content) // 1024} KB", seconds, 200, "ms")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


if __name__ == "__main__":
    main()
