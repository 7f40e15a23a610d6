"""Celery tasks of the admission app. Thin: they find what is due and call admission.services."""

import datetime

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from governance.services import heartbeat_record


def due_for_renewal(today):
    from admission.models import AdmissionRequest, AdmissionState

    horizon = today + datetime.timedelta(days=settings.ADMISSION_RENEWAL_NOTICE_DAYS)
    return AdmissionRequest.objects.filter(
        state=AdmissionState.APPROVED, expires_on__isnull=False, expires_on__lte=horizon, renewal_due_since__isnull=True
    )


@shared_task(
    autoretry_for=(OperationalError, InterfaceError, ConnectionError, TimeoutError),
    retry_backoff=5, retry_backoff_max=120, retry_jitter=True, max_retries=5,
)
def open_periodic_reviews():
    """期满复核: admitted duties whose term ends within ADMISSION_RENEWAL_NOTICE_DAYS come up for review.
    Idempotent (admission.services.renewal_open is a compare-and-set)."""
    from admission.services import renewal_open
    from governance.services import system_user

    started = timezone.now()
    system = system_user()
    opened = sum(
        1 for request in due_for_renewal(timezone.localdate(started)).select_related("county")
        if renewal_open(request=request, now=started, system=system)
    )
    heartbeat_record(name="admission-periodic-review", started_at=started, result={"opened": opened})
    return {"opened": opened}
