"""The Celery app. Worker: `celery -A governance worker`; beat: `celery -A governance beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

app = Celery("chuishao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
