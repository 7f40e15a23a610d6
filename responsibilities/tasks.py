"""Celery tasks of the responsibilities app: thin, they call responsibilities.services."""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    bind=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=2, retry_backoff_max=60,
    max_retries=5,
)
def import_job_run(self, job_id):
    """Read, check and (when there is nothing to decide) import an uploaded list file. Idempotent."""
    from responsibilities.services import import_job_run as run

    run(job_id, retrying=bool(self.request.retries))


@shared_task
def import_jobs_resume():
    """Beat: re-queue import jobs left pending by a broker outage or behind by a killed worker."""
    from responsibilities.services import import_jobs_resume as resume

    return resume()
