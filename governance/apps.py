from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("组织与人员")

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_delete, post_migrate, post_save

        from governance.models import CalendarDay, CalendarYear

        # Every saved or deleted calendar row (the admin, a shell) drops the processes' cached calendar.
        for model in (CalendarDay, CalendarYear):
            for signal in (post_save, post_delete):
                signal.connect(_calendar_edited, sender=model, dispatch_uid=f"calendar-edited-{model.__name__}")

        from config.db_roles import grant_after_migrate
        from governance import signals

        signals.connect()
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from governance import auth_backends

        user_login_failed.connect(auth_backends.record_failure, dispatch_uid="governance.account_failures")
        user_logged_in.connect(auth_backends.clear_failures, dispatch_uid="governance.account_failures_clear")
        from governance import twofactor

        user_logged_in.connect(twofactor.remember_exemption_at_sign_in, dispatch_uid="governance.otp_exemption")
        post_migrate.connect(grant_after_migrate, dispatch_uid="config.db_roles.grant_after_migrate")

        # Embedded local mode: Celery's filesystem transport needs its folders before the first
        # message is sent (by the web process) or read (by the worker). Both load this app, so
        # creating them here covers `make run`, a bare `manage.py` and the embedded-mode test.
        # With Redis as the broker the list is empty.
        for folder in settings.CELERY_BROKER_DIRS:
            folder.mkdir(parents=True, exist_ok=True)
        # Celery beat opens its schedule file right after loading Django (this runs first), and dies
        # if the folder is missing: a fresh clone running the documented beat command has no var/.
        Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)


def _calendar_edited(sender, **kwargs):
    from governance.calendar import calendar_changed

    calendar_changed()
