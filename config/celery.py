"""The Celery app. Worker: `celery -A config worker`; beat: `celery -A config beat`.

`make run` starts one worker with embedded beat (`-B`); docker-compose runs them as two services.
"""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("chuishao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs):
    """Log like the web process: JSON lines on stdout from settings.LOGGING.

    Connecting this signal stops Celery from installing its own plain-text handlers on the root
    logger, so an operator's log shipper sees one format from every process.
    """
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
