"""Case numbers come from one counter per county and year (cases.services._assign_number).

Two real connections (one per thread) on PostgreSQL: a report held open in one county must not hold up a
report in another county, while a second report in the same county does wait for the first to commit.
"""

import re
import threading

import pytest
from django.db import OperationalError, connection, transaction

from cases import services
from cases.models import Case
from governance.models import Level, Role, UnitKind
from governance.services import membership_grant, unit_create
from tests.personas import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def other_county(org):
    county = unit_create(code="Y", name="邻县人民政府", short_name="邻县", level=Level.COUNTY,
                         kind=UnitKind.GOVERNMENT, parent=org.city)
    unit_create(code="Y-ZHZX", name="邻县指挥中心", level=Level.COUNTY, kind=UnitKind.DISPATCH, parent=county)
    township = unit_create(code="Y-HX", name="邻县河西镇", short_name="河西镇", level=Level.TOWNSHIP,
                           kind=UnitKind.GOVERNMENT, parent=county)
    reporter = make_user("p_reporter_y", "赵敏")
    membership_grant(user=reporter, unit=township, role=Role.REPORTER)
    return township, reporter


def _report(actor, township, title="河道垃圾"):
    return services.case_report(actor=actor, township=township, title=title, description="d", address="a")


def _hold_a_report_open(actor, township, started, release, result):
    """Report inside a transaction that stays open (its counter row locked) until `release` is set."""
    try:
        with transaction.atomic():
            result["case"] = _report(actor, township)
            started.set()
            release.wait(10)
    finally:
        started.set()
        connection.close()


def _report_within(seconds, actor, township):
    """Report on a second connection that gives up after `seconds` waiting for any lock."""
    out = {}

    def run():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{int(seconds * 1000)}ms'")
                out["case"] = _report(actor, township)
        except OperationalError as exc:
            out["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return out


def test_two_counties_reports_never_wait_on_each_other(org, other_county):
    township_y, reporter_y = other_county
    started, release, held = threading.Event(), threading.Event(), {}
    holder = threading.Thread(target=_hold_a_report_open, args=(org.reporter, org.township, started, release, held))
    holder.start()
    try:
        assert started.wait(10) and "case" in held
        other = _report_within(1.0, reporter_y, township_y)  # 邻县 while 示范县's report is still open
        assert "error" not in other, other.get("error")
        assert re.fullmatch(r"SZ-Y-\d{4}-000001", other["case"].number)
        same = _report_within(1.0, org.reporter_b, org.township_b)  # 示范县 again: waits for the first
        assert isinstance(same.get("error"), OperationalError)
    finally:
        release.set()
        holder.join(10)
    assert re.fullmatch(r"SZ-X-\d{4}-000001", held["case"].number)
    assert _report(org.reporter_b, org.township_b).number.endswith("-000002")


def test_concurrent_reports_in_one_county_get_distinct_consecutive_numbers(org):
    barrier, numbers = threading.Barrier(4), []

    def run(i):
        try:
            barrier.wait()
            numbers.append(_report(org.reporter, org.township, title=f"第{i}件").number)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(int(n[-6:]) for n in numbers) == [1, 2, 3, 4]
    assert Case.objects.count() == 4


def test_a_report_that_rolls_back_gives_its_number_back(org):
    with pytest.raises(RuntimeError), transaction.atomic():
        _report(org.reporter, org.township)
        raise RuntimeError("the request failed after the number was taken")
    assert _report(org.reporter, org.township).number.endswith("-000001")
