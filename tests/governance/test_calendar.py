"""Working-day arithmetic on the Chinese official calendar (governance.calendar)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from governance.calendar import WorkCalendar, is_workday, missing_years, sync_calendar
from governance.models import CalendarDay, CalendarYear

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH)


@pytest.fixture
def calendar_2026(db):
    sync_calendar(years=[2025, 2026])
    return WorkCalendar.load(date(2026, 1, 1), date(2026, 12, 31))


def test_spring_festival_2026_days_are_off_and_makeup_saturdays_are_worked(calendar_2026):
    for day in range(15, 24):
        assert not calendar_2026.is_workday(date(2026, 2, day)), f"2026-02-{day} is a Spring Festival holiday"
    assert calendar_2026.is_workday(date(2026, 2, 14)), "Saturday 02-14 is worked (调休补班)"
    assert calendar_2026.is_workday(date(2026, 2, 28)), "Saturday 02-28 is worked (调休补班)"
    assert calendar_2026.is_workday(date(2026, 2, 24))
    assert not calendar_2026.is_workday(date(2026, 3, 1)), "an ordinary Sunday"


def test_one_working_day_from_friday_lands_on_the_worked_saturday(calendar_2026):
    assert calendar_2026.add_working_days(at(2026, 2, 13, 10), 1) == at(2026, 2, 14, 10)


def test_working_days_jump_over_the_whole_spring_festival(calendar_2026):
    # Sat 02-14 (worked) then the holiday 02-15..02-23: the second working day is Tue 02-24.
    assert calendar_2026.add_working_days(at(2026, 2, 13, 10), 2) == at(2026, 2, 24, 10)
    # 02-24..02-27 (Tue-Fri), then Saturday 02-28 is worked: 5 days from 02-23 (holiday) end on 02-28 17:00.
    assert calendar_2026.add_working_days(at(2026, 2, 23, 12), 5) == at(2026, 2, 28, 17)


def test_national_day_week_2026(calendar_2026):
    for day in range(1, 8):
        assert not calendar_2026.is_workday(date(2026, 10, day))
    assert calendar_2026.is_workday(date(2026, 9, 20)), "Sunday 09-20 is worked"
    assert calendar_2026.is_workday(date(2026, 10, 10)), "Saturday 10-10 is worked"
    # Wednesday 09-30 16:00 + 1 working day: the next working day is Thu 10-08.
    assert calendar_2026.add_working_days(at(2026, 9, 30, 16), 1) == at(2026, 10, 8, 16)


def test_working_hours_skip_nights_and_start_at_the_next_opening(calendar_2026):
    # Friday 16:00 + 2 working hours: one hour on Friday, one on Saturday 02-14 (worked).
    assert calendar_2026.add_working_hours(at(2026, 2, 13, 16), 2) == at(2026, 2, 14, 10)
    # A clock started on a holiday evening begins at the next opening.
    assert calendar_2026.add_working_hours(at(2026, 2, 20, 21), 3) == at(2026, 2, 24, 12)
    assert calendar_2026.working_time_between(at(2026, 2, 13, 16), at(2026, 2, 24, 10)).total_seconds() == 10 * 3600


def test_office_hours_follow_settings(calendar_2026, settings):
    settings.CASE_DEADLINES = {**settings.CASE_DEADLINES, "workday_start_hour": 8, "workday_end_hour": 18}
    assert calendar_2026.add_working_days(at(2026, 3, 2, 7), 1) == at(2026, 3, 2, 18)


def test_a_year_without_a_published_schedule_falls_back_to_monday_to_friday(db):
    CalendarYear.objects.filter(year=2031).delete()
    CalendarDay.objects.filter(date__year=2031).delete()
    assert is_workday(date(2031, 1, 31))  # a Friday
    assert not is_workday(date(2031, 2, 1))  # a Saturday
    assert 2031 in missing_years(date(2030, 12, 1))


def test_administrators_edits_apply_at_once_and_sync_keeps_them(calendar_2026):
    CalendarDay.objects.filter(date=date(2026, 2, 24)).delete()
    CalendarDay.objects.create(date=date(2026, 2, 24), is_workday=False, name="延长假期")
    assert not is_workday(date(2026, 2, 24))
    sync_calendar(years=[2026])  # an existing year is not overwritten
    assert not is_workday(date(2026, 2, 24))
    sync_calendar(years=[2026], overwrite=True)
    assert is_workday(date(2026, 2, 24))


def test_calendar_admin_warns_about_missing_next_year(org, client_for, time_machine):
    time_machine.move_to(at(2026, 11, 29, 10))
    sync_calendar(years=[2026])
    CalendarYear.objects.filter(year=2027).delete()
    response = client_for(org.admin).get(reverse("admin:governance_calendaryear_changelist"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "尚未录入 2027 年的节假日安排" in text


def test_calendar_admin_is_quiet_when_both_years_are_entered(org, client_for, time_machine):
    time_machine.move_to(at(2026, 11, 29, 10))
    CalendarYear.objects.get_or_create(year=2026)
    CalendarYear.objects.get_or_create(year=2027)
    response = client_for(org.admin).get(reverse("admin:governance_calendarday_changelist"))
    assert response.status_code == 200
    assert "尚未录入" not in response.content.decode()


def test_sync_calendar_command_is_idempotent(db, capsys):
    from django.core.management import call_command

    call_command("sync_calendar", "--year", "2026")
    count = CalendarDay.objects.filter(date__year=2026).count()
    call_command("sync_calendar", "--year", "2026")
    assert CalendarDay.objects.filter(date__year=2026).count() == count > 20
