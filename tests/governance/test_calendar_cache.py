"""The working calendar is read once per process and dropped in every process when it is edited."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from governance.calendar import WorkCalendar, clear_process_copy, is_workday, sync_calendar
from governance.models import CalendarDay, CalendarYear

ROOT = Path(__file__).resolve().parents[2]
TUESDAY = date(2026, 3, 10)


@pytest.fixture
def calendar_2026(db):
    clear_process_copy()
    sync_calendar(years=[2026])
    CalendarDay.objects.filter(date=TUESDAY).delete()


def test_a_second_deadline_reads_no_calendar_rows(calendar_2026, django_assert_num_queries):
    assert is_workday(TUESDAY)
    with django_assert_num_queries(0):
        assert is_workday(TUESDAY)
        assert not WorkCalendar.load(date(2026, 2, 16)).is_workday(date(2026, 2, 17))  # Spring Festival


def test_an_administrators_edit_in_the_admin_applies_at_once(calendar_2026, org, client_for):
    assert is_workday(TUESDAY)  # cached
    response = client_for(org.admin).post(
        reverse("admin:governance_calendarday_add"), {"date": "2026-03-10", "is_workday": "", "name": "临时放假"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert not is_workday(TUESDAY)
    CalendarDay.objects.get(date=TUESDAY).delete()
    assert is_workday(TUESDAY)


def test_a_year_marked_published_is_seen_at_once(calendar_2026):
    CalendarYear.objects.filter(year=2031).delete()
    assert 2031 not in WorkCalendar.load(date(2031, 1, 1)).known_years
    CalendarYear.objects.create(year=2031, source="admin")
    assert 2031 in WorkCalendar.load(date(2031, 1, 1)).known_years


CHILD = """
import sys, django
from datetime import date
django.setup()
from governance.calendar import is_workday
print(is_workday(date(2026, 3, 10)), flush=True)
sys.stdin.readline()
print(is_workday(date(2026, 3, 10)), flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_an_edit_in_one_process_reaches_another_processs_cached_calendar():
    clear_process_copy()
    sync_calendar(years=[2026], overwrite=True)
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "True"  # the other process has cached the calendar
        CalendarDay.objects.create(date=TUESDAY, is_workday=False, name="临时放假")  # committed at once
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "False"
    finally:
        child.kill()
        child.wait()
        CalendarDay.objects.filter(date=TUESDAY).delete()
