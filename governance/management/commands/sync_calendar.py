"""`manage.py sync_calendar [--year 2027 ...] [--overwrite]`: seed the official holiday table.

Run by `make run` after migrate. Years already entered are kept (administrators may have
corrected them in the admin) unless --overwrite is given.
"""

from django.core.management.base import BaseCommand

from governance.calendar import missing_years, sync_calendar


class Command(BaseCommand):
    help = "从 chinesecalendar 包同步法定节假日与调休安排（已录入的年度默认保留）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years", help="只同步这些年份（可重复）")
        parser.add_argument("--overwrite", action="store_true", help="覆盖已录入年度的数据")

    def handle(self, *args, years=None, overwrite=False, **options):
        written = sync_calendar(years=years, overwrite=overwrite)
        self.stdout.write(f"calendar years written: {', '.join(map(str, written)) or 'none'}")
        missing = missing_years()
        if missing:
            self.stdout.write(self.style.WARNING(
                f"no published holiday schedule for {', '.join(map(str, missing))}: Monday-Friday is assumed; "
                "enter it in the admin (节假日安排年度) once the State Council publishes it"
            ))
