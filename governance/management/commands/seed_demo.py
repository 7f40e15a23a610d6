import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Each app seeds its own part, in dependency order. An app's demo module has seed(stdout=None).
DEMO_MODULES = [
    "governance.demo", "responsibilities.demo", "cases.demo", "routing.demo", "assessment.demo", "admission.demo",
    "insights.demo",
]


class Command(BaseCommand):
    help = "Build the 示范县 demo: units, accounts (password demo-pass-2026), lists and cases. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on a real deployment).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates accounts with a published password; it refuses to run with DEBUG off. Use --force to override.")
        for name in DEMO_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue
                raise
            with transaction.atomic():
                module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
