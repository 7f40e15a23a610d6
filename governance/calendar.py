"""Working-day arithmetic on the Chinese official calendar (工作日).

Data: CalendarDay rows hold the exceptions to Monday–Friday — public holidays (放假) and the weekend
days worked in exchange (调休补班). CalendarYear marks a year whose schedule (国务院办公厅放假安排) has
been entered. A date in a year without a CalendarYear row falls back to Monday–Friday and the
admin warns about it (missing_years). The table is seeded from the `chinesecalendar` package by
sync_calendar (management command and the governance data migration); administrators edit it in
the admin when the State Council publishes next year's schedule each November.

Working time (used by cases.deadlines when settings.CASE_DEADLINES["working_time"] is on):
    a working day runs from CASE_DEADLINES["workday_start_hour"] to ["workday_end_hour"]
    (default 9:00–17:00 Asia/Shanghai, i.e. 8 working hours). Those defaults mirror the common
    county office day without the lunch break: a break inside the day would make "2 working hours"
    from 11:00 land at 15:00, which nobody at a counter expects. One working day = one full office
    day, so "1 working day" from Friday 15:00 is the next working day at 15:00, and a clock started
    outside office hours starts at the next opening (Saturday 10:00 -> Monday 9:00).

Caching: the whole table (a few hundred rows a year) is read once per process and kept
(WorkCalendar.load serves every range from it). The copy carries a version stamp kept in the shared
cache (Redis); every edit of CalendarDay/CalendarYear — the admin, sync_calendar, a shell — bumps the
stamp (signals, plus calendar_changed() after bulk writes), once at once and once after commit, so a
process that reloaded between the two sees the committed rows. Every load compares its copy's stamp
with the shared one (one cache GET instead of two queries): an administrator's edit applies at once in
every web and Celery process. Without a shared cache (embedded `make run` on SQLite, LocMemCache) the
stamp only reaches the editing process; the others reload at most _LOCAL_TTL seconds later.
If the cache is unreachable, the calendar is read from the database as before (never stale).
"""

import logging
import threading
import time as _time
import uuid
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Deadlines never look further ahead than this; the longest national holiday run is 9 days.
_HORIZON_DAYS = 400


def workday_hours():
    limits = settings.CASE_DEADLINES
    return limits.get("workday_start_hour", 9), limits.get("workday_end_hour", 17)


class WorkCalendar:
    """The official calendar for a range of dates, loaded once. Pure arithmetic after load()."""

    def __init__(self, exceptions=None, known_years=None):
        self.exceptions = dict(exceptions or {})  # date -> is_workday
        self.known_years = set(known_years or ())

    @classmethod
    def load(cls, start=None, end=None):
        """The official calendar (every published year: it covers any range). Served from the process's
        copy while its version stamp is current; `start`/`end` are kept for callers that name a range."""
        return _cached_calendar()

    @classmethod
    def load_from_database(cls):
        from governance.models import CalendarDay, CalendarYear

        return cls(
            CalendarDay.objects.values_list("date", "is_workday"),
            CalendarYear.objects.values_list("year", flat=True),
        )

    def is_workday(self, day):
        """A published exception wins; otherwise Monday–Friday (also the fallback for unpublished years)."""
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def next_workday(self, day, *, include_self=False):
        current = day if include_self else day + timedelta(days=1)
        for _ in range(_HORIZON_DAYS):
            if self.is_workday(current):
                return current
            current += timedelta(days=1)
        raise ValueError("no working day within the horizon: check the holiday table")

    def add_working_days(self, start, days):
        """`days` working days after the aware datetime `start` (see the module docstring)."""
        start_hour, end_hour = workday_hours()
        return self.add_working_hours(start, days * (end_hour - start_hour))

    def add_working_hours(self, start, hours):
        """`hours` of office time after the aware datetime `start`, skipping nights, weekends and holidays."""
        tz = timezone.get_current_timezone()
        start_hour, end_hour = workday_hours()
        local = timezone.localtime(start, tz)
        remaining = timedelta(hours=hours)
        day = local.date()
        cursor = local.replace(tzinfo=None)
        while True:
            opens = datetime.combine(day, time(start_hour))
            closes = datetime.combine(day, time(end_hour))
            if self.is_workday(day) and cursor < closes:
                begin = max(cursor, opens)
                available = closes - begin
                if remaining <= available:
                    return timezone.make_aware(begin + remaining, tz)
                remaining -= available
            day = self.next_workday(day)
            cursor = datetime.combine(day, time(start_hour))

    def working_time_between(self, start, end):
        """Office time between two aware datetimes (for display and assessment)."""
        if end <= start:
            return timedelta(0)
        tz = timezone.get_current_timezone()
        start_hour, end_hour = workday_hours()
        a = timezone.localtime(start, tz).replace(tzinfo=None)
        b = timezone.localtime(end, tz).replace(tzinfo=None)
        total = timedelta(0)
        day = a.date()
        while day <= b.date():
            if self.is_workday(day):
                lo = max(a, datetime.combine(day, time(start_hour)))
                hi = min(b, datetime.combine(day, time(end_hour)))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total


# --- The process's copy and its version stamp -------------------------------------------------

_VERSION_KEY = "governance:calendar:version"
_LOCAL_TTL = 60  # seconds; only matters without a shared cache (see the module docstring)
_lock = threading.Lock()
_copy = {"version": None, "calendar": None, "loaded_at": 0.0}


def _shared_cache():
    from django.core.cache.backends.locmem import LocMemCache

    return not isinstance(cache, LocMemCache) and not isinstance(getattr(cache, "_wrapped", None), LocMemCache)


def _current_version():
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(_VERSION_KEY)
    return version


def _cached_calendar():
    try:
        version = _current_version()
    except Exception:  # noqa: BLE001 - cache down: the database is the truth, read it
        return WorkCalendar.load_from_database()
    copy = _copy
    fresh = copy["calendar"] is not None and copy["version"] == version and version is not None
    if fresh and not _shared_cache() and _time.monotonic() - copy["loaded_at"] > _LOCAL_TTL:
        fresh = False
    if fresh:
        return copy["calendar"]
    calendar = WorkCalendar.load_from_database()
    with _lock:
        _copy.update(version=version, calendar=calendar, loaded_at=_time.monotonic())
    return calendar


def calendar_changed():
    """Drop every process's copy: call after writing CalendarDay/CalendarYear (signals do it for saves/deletes).
    Bumps the stamp now and again after commit (see the module docstring)."""

    def bump():
        with _lock:
            _copy.update(version=None, calendar=None)
        try:
            cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        except Exception:  # noqa: BLE001 - the stamp cannot be bumped: reads fall back to the database
            logger.warning("calendar version stamp not bumped: cache unavailable", exc_info=True)

    bump()
    transaction.on_commit(bump)


def clear_process_copy():
    """Forget this process's copy (tests; the shared stamp is left alone)."""
    with _lock:
        _copy.update(version=None, calendar=None)


def is_workday(day):
    return WorkCalendar.load(day, day).is_workday(day)


def add_working_days(start, days):
    return WorkCalendar.load(timezone.localdate(start)).add_working_days(start, days)


def add_working_hours(start, hours):
    return WorkCalendar.load(timezone.localdate(start)).add_working_hours(start, hours)


def warning_point(start, due):
    """When a clock running from `start` to `due` warns (预警/提醒): DEADLINE_WARNING_PERCENT of the way.

    One rule for every deadline with a reminder: case stages (cases.deadlines) and admission reviews.
    """
    fraction = settings.CASE_DEADLINES["warning_fraction_percent"] / 100
    return start + (due - start) * fraction


def missing_years(today=None):
    """Of the current and the next year, those without a published schedule (the admin warns about them)."""
    from governance.models import CalendarYear

    today = today or timezone.localdate()
    wanted = [today.year, today.year + 1]
    known = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [year for year in wanted if year not in known]


# --- Seeding from the chinesecalendar package ------------------------------------------------

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def package_schedule():
    """{year: [(date, is_workday, name)]} from the installed chinesecalendar package."""
    from chinese_calendar import constants

    by_year = {}
    for day, holiday in constants.holidays.items():
        name = HOLIDAY_NAMES.get(str(holiday), str(holiday))
        by_year.setdefault(day.year, []).append((day, False, name))
    for day, holiday in constants.workdays.items():
        name = HOLIDAY_NAMES.get(str(holiday), str(holiday))
        by_year.setdefault(day.year, []).append((day, True, f"{name}调休上班"))
    return by_year


def package_source():
    try:
        from importlib.metadata import version

        return f"chinesecalendar {version('chinesecalendar')}"
    except Exception:  # noqa: BLE001 - only a label
        return "chinesecalendar"


def sync_calendar(*, years=None, overwrite=False, year_model=None, day_model=None, using="default"):
    """Seed CalendarYear/CalendarDay from the package. Idempotent.

    A year already present is left alone unless `overwrite` (administrators may have corrected it
    in the admin); with overwrite its day rows are replaced by the package's. Returns the years written.
    The data migration passes its historical models and its database alias (the owner's, when
    migrations run as `migrate --database owner`).
    """
    if year_model is None:
        from governance.models import CalendarDay, CalendarYear

        year_model, day_model = CalendarYear, CalendarDay
    schedule = package_schedule()
    wanted = sorted(schedule if years is None else (y for y in years if y in schedule))
    written = []
    years_db, days_db = year_model.objects.db_manager(using), day_model.objects.db_manager(using)
    with transaction.atomic(using=using):
        existing = set(years_db.filter(year__in=wanted).values_list("year", flat=True))
        for year in wanted:
            if year in existing and not overwrite:
                continue
            days_db.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)).delete()
            days_db.bulk_create(
                [day_model(date=d, is_workday=w, name=n[:50]) for d, w, n in sorted(schedule[year])]
            )
            years_db.update_or_create(year=year, defaults={"source": package_source()})
            written.append(year)
    if written:
        calendar_changed()
    return written
