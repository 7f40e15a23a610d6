"""A synthetic province for the benchmarks (issue 15): `python manage.py generate_province --cases 2000000`.

On an empty database it builds the unit tree in bulk — cities of ten counties, each county with a dispatch
centre, ten departments and its townships — and one persona per role in the first county and city
(usernames reporter, dispatcher, officer, supervisor, city_supervisor). Run again, it reuses that province
and adds cases until there are --cases of them, so a benchmark can measure at growing sizes.

Cases are inserted by one INSERT … SELECT generate_series (bench.database.case_insert_columns fills the
other NOT NULL columns). Every attribute draws its own pseudo-random number from the case's index g
(hashint8 with a salt per attribute), so attributes are independent of each other and of the township
(`mod(g, …)` formulas tied a township to one state and one deadline). The mixes: 65 % closed, 7 % resolved,
14 % assigned of which half claimed, 7 % reported or triaged, 7 % returned or withdrawn; closed cases up to
three years old, open ones up to 60 days; a deadline from two days past to eight days ahead (a fifth of the
open cases overdue, and those escalated once); 5 % urgent, 20 % reported by residents.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

COUNTIES_PER_CITY, DEPARTMENTS_PER_COUNTY = 10, 10
PERSONAS = ("reporter", "dispatcher", "officer", "supervisor", "city_supervisor")


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
            t0 = time.perf_counter()
            load_cases(have, cases - have, timezone.now().replace(microsecond=0), **units)
            self.stdout.write(f"loaded {cases - have:,} cases to {cases:,} in {time.perf_counter() - t0:.1f} s")


def existing_province():
    from governance.models import Level, Unit, UnitKind

    if not Unit.objects.filter(code="P", level=Level.PROVINCE).exists():
        return None

    def ids(**kw):
        return list(Unit.objects.filter(**kw).order_by("pk").values_list("pk", flat=True))

    return {"townships": ids(level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT), "depts": ids(kind=UnitKind.DEPARTMENT),
            "centres": ids(kind=UnitKind.DISPATCH)}


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
                                 ("city_supervisor", cities[0], Role.SUPERVISOR)]:
        user = User.objects.create(username=username, first_name=username, email=f"{username}@example.test")
        membership_grant(user=user, unit=unit, role=role)
    return {"townships": [t.pk for t in towns], "depts": [d.pk for d in depts], "centres": [c.pk for c in centres]}


def load_cases(first, count, now, townships, depts, centres):
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
        "created_at": f"%(now)s - make_interval(days => {age}, mins => {draw(4, 1440)}::int)",
        "updated_at": f"%(now)s - make_interval(days => {age})",
        "stage_started_at": f"CASE WHEN {is_open} THEN %(now)s - make_interval(days => {age}) END",
        "due_at": f"CASE WHEN {is_open} THEN %(now)s + make_interval(mins => {due_minutes}) END",
        "claimed_at": f"CASE WHEN {r} >= 79 AND {r} < 86 THEN %(now)s - make_interval(days => {age}) END",
        "escalation_level": f"CASE WHEN {is_open} AND {due_minutes} < 0 THEN 1 ELSE 0 END",  # the sweep's work
        "closed_at": f"CASE WHEN {r} < 65 THEN %(now)s - make_interval(days => {age}) + interval '5 days' END",
    }
    columns, values = case_insert_columns(specific, "generate_province")
    sql = (f"INSERT INTO {Case._meta.db_table} ({', '.join(columns)}) "
           f"SELECT {', '.join(values)} FROM generate_series({first}::bigint, {first + count - 1}::bigint) AS g")
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
