"""Recompute the assessment facts of a range of days (the daily rollup, re-runnable): for a first deployment on
an existing case history, or after a correction. Idempotent.

    python manage.py assessment_rollup --from 2026-01-01 --to 2026-06-30
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from assessment.facts import refresh_day


class Command(BaseCommand):
    help = "Recompute assessment facts for every day in a range (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True)
        parser.add_argument("--to", dest="end", required=True)

    def handle(self, *args, start, end, **options):
        try:
            day, last = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError as exc:
            raise CommandError(f"dates must be YYYY-MM-DD: {exc}") from exc
        total = 0
        while day <= last:
            total += refresh_day(day)
            day += timedelta(days=1)
        self.stdout.write(f"assessment: {total} facts written from {start} to {end}")
