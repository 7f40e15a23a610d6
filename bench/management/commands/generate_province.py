"""A synthetic province for the benchmarks (issue 15): `python manage.py generate_province --cases 2000000`.

On an empty database it builds the unit tree in bulk — cities of ten counties, each county with a dispatch
centre, ten departments and its townships — and one persona per role in the first county and city
(usernames reporter, dispatcher, officer, supervisor, city_supervisor, assessor). Run again, it reuses that province
and adds cases until there are --cases of them, so a benchmark can measure at growing sizes.

Cases are inserted by one INSERT … SELECT generate_series (bench.database.case_insert_columns fills the
other NOT NULL columns). Every attribute draws its own pseudo-random number from the case's index g
(hashint8 with a salt per attribute), so attributes are independent of each other and of the township
(`mod(g, …)` formulas tied a township to one state and one deadline). The mixes: 65 % closed, 7 % resolved,
14 % assigned of which half claimed, 7 % reported or triaged, 7 % returned or withdrawn; closed cases up to
three years old, open ones up to 60 days; a deadline from two days past to eight days ahead (a fifth of the
open cases overdue, and those escalated once); 5 % urgent, 20 % reported by residents.

What assessment reads is there too: each case's stage times drawn one after the other (assigned 0.5–8 h after
the report, claimed within ~27 h against a 24 h deadline, resolved within ~6 days against 5, feedback within
~3.5 days against 3), its per-stage deadlines, item kind and rating; its audit events (reported, triaged,
assigned with the lead department, returned, withdrawn, claimed, resolved, closed with the rating, and the
sweep's escalations of late stages) by one INSERT … SELECT in time order; and their facts rolled up by the real
code (assessment.facts.refresh_cases), each county's watermark then at the last event. Not generated: reopened,
declined, reassigned or paused cases, assisting departments, list items and exemptions (the rules' rare paths;
tests/assessment covers them).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

COUNTIES_PER_CITY, DEPARTMENTS_PER_COUNTY = 10, 10
PERSONAS = ("reporter", "dispatcher", "officer", "supervisor", "city_supervisor", "assessor")


def draw(salt, n):
    """A pseudo-random integer in [0, n) for case g, independent for each salt."""
    return f"mod(hashint8(g + {salt}::bigint * 4294967296) & 2147483647, {n})"


class Command(BaseCommand):
    help = "Generate (or grow) a synthetic province of townships, counties and cases for the benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--townships", type=int, default=1000)
        parser.add_argument("--counties", type=int, default=100)
        parser.add_argument("--cases", type=int, required=True, help="total number of cases wanted")

    def handle(self, *, townships, counties, cases, **options):
        from cases.models import Case

        if connection.vendor != "postgresql":
            raise CommandError("generate_province needs PostgreSQL (it bulk-loads with generate_series).")
        if counties < 1 or townships % counties:
            raise CommandError("--townships must be a multiple of --counties.")
        t0 = time.perf_counter()
        units = existing_province()
        if units is None:
            units = build_province(townships, counties)
            self.stdout.write(f"province: {len(units['townships']):,} townships, {len(units['centres'])} counties, "
                              f"{len(units['depts']):,} departments ({time.perf_counter() - t0:.1f} s)")
        have = Case.objects.count()
        if cases > have:
            now = timezone.now().replace(microsecond=0)
            after = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            t0 = time.perf_counter()
            load_cases(have, cases - have, now, **units)
            self.stdout.write(f"loaded {cases - have:,} cases to {cases:,} in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            events = load_events(after, now)
            self.stdout.write(f"loaded {events:,} audit events of those cases in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            facts = roll_up(after, units["counties"])
            self.stdout.write(f"rolled up {facts:,} assessment facts of those cases (assessment.facts.refresh_cases) "
                              f"in {time.perf_counter() - t0:.1f} s")


def existing_province():
    from governance.models import Level, Unit, UnitKind

    if not Unit.objects.filter(code="P", level=Level.PROVINCE).exists():
        return None

    def ids(**kw):
        return list(Unit.objects.filter(**kw).order_by("pk").values_list("pk", flat=True))

    return {"townships": ids(level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT), "depts": ids(kind=UnitKind.DEPARTMENT),
            "centres": ids(kind=UnitKind.DISPATCH), "counties": ids(level=Level.COUNTY, kind=UnitKind.GOVERNMENT)}


def build_province(townships, counties):
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

    per_county = townships // counties
    province = bulk([dict(code="P", name="示范省", level=Level.PROVINCE, kind=UnitKind.GOVERNMENT)])[0]
    cities = bulk([dict(code=f"C{c:02d}", name=f"第{c}市", level=Level.CITY, kind=UnitKind.GOVERNMENT, parent=province)
                   for c in range(-(-counties // COUNTIES_PER_CITY))])
    county_units = bulk([dict(code=f"X{c:03d}", name=f"第{c}县", level=Level.COUNTY, kind=UnitKind.GOVERNMENT,
                              parent=cities[c // COUNTIES_PER_CITY]) for c in range(counties)])
    centres = bulk([dict(code=f"{x.code}-ZHZX", name=f"{x.name}指挥中心", level=Level.COUNTY, kind=UnitKind.DISPATCH,
                         parent=x) for x in county_units])
    towns = bulk([dict(code=f"{x.code}-T{t}", name=f"{x.name}第{t}镇", level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT,
                       parent=x) for x in county_units for t in range(per_county)])
    depts = bulk([dict(code=f"{x.code}-D{d}", name=f"{x.name}第{d}局", level=Level.COUNTY, kind=UnitKind.DEPARTMENT,
                       parent=x) for x in county_units for d in range(DEPARTMENTS_PER_COUNTY)])
    User = get_user_model()
    for username, unit, role in [("reporter", towns[0], Role.REPORTER), ("dispatcher", centres[0], Role.DISPATCHER),
                                 ("officer", depts[0], Role.OFFICER), ("supervisor", county_units[0], Role.SUPERVISOR),
                                 ("city_supervisor", cities[0], Role.SUPERVISOR),
                                 ("assessor", county_units[0], Role.ASSESSOR)]:
        user = User.objects.create(username=username, first_name=username, email=f"{username}@example.test")
        membership_grant(user=user, unit=unit, role=role)
    return {"townships": [t.pk for t in towns], "depts": [d.pk for d in depts], "centres": [c.pk for c in centres],
            "counties": [x.pk for x in county_units]}


def load_cases(first, count, now, townships, depts, centres, counties):
    """Cases first .. first+count-1 in one INSERT … SELECT generate_series; every NOT NULL column gets a value."""
    from bench.database import case_insert_columns
    from cases.models import Case

    per_county = len(townships) // len(centres)
    t = f"mod(g, {len(townships)})"  # township index, round robin; its county is t / per_county
    county = f"({t} / {per_county})"
    r = draw(1, 100)  # the state mix
    state = (f"CASE WHEN {r} < 65 THEN 'closed' WHEN {r} < 72 THEN 'resolved' WHEN {r} < 86 THEN 'assigned' "
             f"WHEN {r} < 90 THEN 'reported' WHEN {r} < 93 THEN 'triaged' WHEN {r} < 97 THEN 'returned' "
             "ELSE 'withdrawn' END")
    is_open = f"({r} >= 65 AND {r} < 93)"
    age = f"(CASE WHEN {is_open} THEN {draw(2, 60)} ELSE {draw(3, 1095)} END)::int"  # days
    due_minutes = f"({draw(6, 14400)} - 2880)::int"  # from two days past to eight days ahead
    has_dept = f"({r} < 86)"
    finished = f"({r} < 72)"  # closed or resolved: the department's work is done
    claimed = f"({r} < 72 OR {r} >= 79 AND {r} < 86)"
    specific = {
        "number": "'P-' || lpad(g::text, 9, '0')",
        "title": f"(ARRAY['夜市油烟扰民','占道经营','河道垃圾','违法建设','路灯损坏','噪音扰民'])[1 + {draw(5, 6)}] || ' ' || g",
        "description": "'省级规模基准测试事项'",
        "address": "'解放路' || mod(g, 500) || '号'",
        "township_id": f"(%(towns)s::bigint[])[1 + {t}]",
        "dispatch_centre_id": f"(%(centres)s::bigint[])[1 + {county}]",
        "lead_department_id": (f"CASE WHEN {has_dept} THEN (%(depts)s::bigint[])"
                               f"[1 + {county} * {DEPARTMENTS_PER_COUNTY} + {draw(10, DEPARTMENTS_PER_COUNTY)}] END"),
        "state": state,
        "stage": (f"CASE WHEN {r} >= 86 AND {r} < 93 THEN 'triage' WHEN {r} >= 72 AND {r} < 79 THEN 'response' "
                  f"WHEN {r} >= 79 AND {r} < 86 THEN 'resolution' WHEN {r} >= 65 AND {r} < 72 THEN 'feedback' "
                  "ELSE '' END"),
        "urgency": f"CASE WHEN {draw(7, 20)} = 0 THEN 'urgent' ELSE 'normal' END",
        "channel": f"CASE WHEN {draw(8, 5)} = 0 THEN 'resident' ELSE 'staff' END",
        # What assessment reads (assessment.facts.CASE_COLUMNS): the timeline of each stage, from the lateral
        # `x` of load_cases, and the per-stage deadlines: claim within 24 h of assignment, resolve within
        # 5 days of the claim, feedback within 3 days (about 10 %, 17 % and 13 % late).
        "created_at": "x.reported",
        "updated_at": f"%(now)s - make_interval(days => {age})",
        "item_kind": (f"CASE WHEN {r} >= 93 AND {r} < 97 THEN 'basic' WHEN NOT {has_dept} THEN '' "
                      f"WHEN {draw(15, 10)} < 5 THEN 'assisting' WHEN {draw(15, 10)} < 8 THEN 'negative' ELSE '' END"),
        "triaged_at": f"CASE WHEN {r} < 86 OR {r} >= 90 AND {r} < 97 THEN x.assigned END",
        "assigned_at": f"CASE WHEN {has_dept} THEN x.assigned END",
        "response_due_at": (f"CASE WHEN {r} >= 72 AND {r} < 79 THEN %(now)s + make_interval(mins => {due_minutes}) "
                            f"WHEN {has_dept} THEN x.assigned + interval '24 hours' END"),
        "claimed_at": f"CASE WHEN {claimed} THEN x.claimed END",
        "resolution_due_at": (f"CASE WHEN {r} >= 79 AND {r} < 86 THEN %(now)s + make_interval(mins => {due_minutes}) "
                              f"WHEN {finished} THEN x.claimed + interval '5 days' END"),
        "resolved_at": f"CASE WHEN {finished} THEN x.resolved END",
        "feedback_due_at": (f"CASE WHEN {r} >= 65 AND {r} < 72 THEN %(now)s + make_interval(mins => {due_minutes}) "
                            f"WHEN {r} < 65 THEN x.resolved + interval '3 days' END"),
        "feedback_at": f"CASE WHEN {r} < 65 THEN x.feedback END",
        "rating": f"CASE WHEN {r} < 65 THEN (CASE WHEN {draw(16, 100)} < 85 THEN 'satisfied' ELSE 'basic' END) ELSE '' END",
        "stage_started_at": f"CASE WHEN {is_open} THEN %(now)s - make_interval(days => {age}) END",
        "due_at": f"CASE WHEN {is_open} THEN %(now)s + make_interval(mins => {due_minutes}) END",
        "escalation_level": f"CASE WHEN {is_open} AND {due_minutes} < 0 THEN 1 ELSE 0 END",  # the sweep's work
        "closed_at": f"CASE WHEN {r} < 65 THEN x.feedback END",
    }
    # Each stage a draw after the one before, none later than now (an open case's next step has not happened).
    timeline = (
        f"SELECT reported, least(assigned, %(now)s) AS assigned, least(claimed, %(now)s) AS claimed, "
        f"least(resolved, %(now)s) AS resolved, least(resolved + make_interval(mins => 30 + {draw(14, 5000)}), "
        "%(now)s) AS feedback FROM (SELECT reported, assigned, claimed, "
        f"claimed + make_interval(mins => 60 + {draw(13, 8640)}) AS resolved FROM (SELECT reported, assigned, "
        f"assigned + make_interval(mins => 10 + {draw(12, 1600)}) AS claimed FROM (SELECT reported, "
        f"reported + make_interval(mins => 30 + {draw(11, 450)}) AS assigned FROM (SELECT "
        f"%(now)s - make_interval(days => {age}, mins => {draw(4, 1440)}::int) AS reported) a) b) c) d"
    )
    columns, values = case_insert_columns(specific, "generate_province")
    sql = (f"INSERT INTO {Case._meta.db_table} ({', '.join(columns)}) "
           f"SELECT {', '.join(values)} FROM generate_series({first}::bigint, {first + count - 1}::bigint) AS g "
           f"CROSS JOIN LATERAL ({timeline}) AS x")
    with connection.cursor() as cur:
        # As a bulk import would: the GIN (trigram) indexes are built after the load, not row by row during it
        # (which made a 2M load take 270 s instead of about 110 s).
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                    [Case._meta.db_table, "% USING gin %"])
        gin = cur.fetchall()
        for name, _ in gin:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute(sql, {"now": now, "towns": townships, "depts": depts, "centres": centres})
        for _, definition in gin:
            cur.execute(definition)
        # A table of this size in service is vacuumed and analysed by autovacuum; measure it in that state.
        cur.execute(f"VACUUM (ANALYZE) {Case._meta.db_table}")


# The audit trail of each case, as the services and the sweep write it (cases.services, cases.escalation): one
# row per step the case's columns say it took. The data keys are those assessment.facts reads.
EVENTS = """(VALUES
    ('上报人员', 'case.reported', '', 'reported', '{}'::jsonb, c.created_at),
    ('分拨调度员', 'case.triaged', 'reported', 'triaged', '{}', CASE WHEN c.state = 'triaged' THEN c.triaged_at END),
    ('分拨调度员', 'case.assigned', 'triaged', 'assigned', jsonb_build_object('lead_department', c.lead_department_id),
     c.assigned_at),
    ('分拨调度员', 'case.returned', 'triaged', 'returned', '{}', CASE WHEN c.state = 'returned' THEN c.triaged_at END),
    ('上报人员', 'case.withdrawn', 'reported', 'withdrawn', '{}',
     CASE WHEN c.state = 'withdrawn' THEN least(c.created_at + interval '2 hours', %(now)s) END),
    ('部门办理人员', 'case.claimed', 'assigned', 'assigned', '{}', c.claimed_at),
    ('系统', 'case.escalated', 'assigned', 'assigned', '{"stage": "response", "level": 1}',
     CASE WHEN c.claimed_at > c.response_due_at THEN c.response_due_at END),
    ('部门办理人员', 'case.resolved', 'assigned', 'resolved', '{}', c.resolved_at),
    ('系统', 'case.escalated', 'assigned', 'assigned', '{"stage": "resolution", "level": 1}',
     CASE WHEN c.resolved_at > c.resolution_due_at THEN c.resolution_due_at END),
    ('上报人员', 'case.closed', 'resolved', 'closed', jsonb_build_object('rating', c.rating),
     CASE WHEN c.state = 'closed' THEN c.feedback_at END),
    ('系统', 'case.escalated', c.state, c.state, jsonb_build_object('stage', c.stage, 'level', 1),
     CASE WHEN c.escalation_level > 0 THEN c.due_at END)
) AS e(actor_name, action, from_state, to_state, data, at)"""


def load_events(after, now):
    """The audit events of the cases with pk > after, in one INSERT … SELECT, in time order (ids follow time, as
    in service, so the rollup's watermark and the (case, created_at) index see the real layout)."""
    from cases.models import Case, CaseEvent

    e = CaseEvent._meta.db_table
    with connection.cursor() as cur:
        # As bench_assessment: the hash-chain trigger (cases 0008) takes an advisory lock per case and reads the
        # chain's last row for every insert, which millions of rows in one statement exhaust; the bulk rows are
        # left unhashed ('', as rows written before that migration) and the trigger is enabled again after.
        cur.execute(f"ALTER TABLE {e} DISABLE TRIGGER cases_caseevent_hash_chain")
        cur.execute(
            f"INSERT INTO {e} (case_id, actor_name, action, from_state, to_state, reason, data, created_at, prev_hash, "
            f"hash) SELECT c.id, e.actor_name, e.action, e.from_state, e.to_state, '', e.data, e.at, '', '' "
            f"FROM {Case._meta.db_table} c CROSS JOIN LATERAL {EVENTS} WHERE c.id > %(after)s AND e.at IS NOT NULL "
            "ORDER BY e.at", {"after": after, "now": now})
        count = cur.rowcount
        cur.execute(f"ALTER TABLE {e} ENABLE TRIGGER cases_caseevent_hash_chain")
        cur.execute(f"VACUUM (ANALYZE) {e}")
    return count


def roll_up(after, counties):
    """The facts of the cases with pk > after by the real code (assessment.facts.refresh_cases, what the hourly
    task and every page run), then each county's watermark at the last event, as a caught-up rollup leaves it."""
    from assessment.facts import refresh_cases
    from assessment.models import CaseFact, RollupWatermark
    from cases.models import Case, CaseEvent

    ids = list(Case.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True))
    written = 0
    for i in range(0, len(ids), 200_000):
        written += refresh_cases(ids[i:i + 200_000])
    top = CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for county in counties:
        RollupWatermark.objects.update_or_create(county_id=county, defaults={"last_event_id": top})
    with connection.cursor() as cur:
        cur.execute(f"VACUUM (ANALYZE) {CaseFact._meta.db_table}")
    return written
