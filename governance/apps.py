from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("组织与人员")

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_migrate

        from config.db_roles import grant_after_migrate
        from governance import signals

        signals.connect()
        post_migrate.connect(grant_after_migrate, dispatch_uid="config.db_roles.grant_after_migrate")

        # Embedded local mode: Celery's filesystem transport needs its folders before the first
        # message is sent (by the web process) or read (by the worker). Both load this app, so
        # creating them here covers `make run`, a bare `manage.py` and the embedded-mode test.
        # With Redis as the broker the list is empty.
        for folder in settings.CELERY_BROKER_DIRS:
            folder.mkdir(parents=True, exist_ok=True)
