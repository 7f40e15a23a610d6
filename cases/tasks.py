"""Celery tasks of the cases app. Thin: they call cases.escalation, which owns the algorithm."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.module_loading import import_string

from governance.services import heartbeat_record

logger = logging.getLogger(__name__)


@shared_task(
    bind=True, autoretry_for=(OperationalError, InterfaceError, ConnectionError, TimeoutError),
    retry_backoff=5, retry_backoff_max=120, retry_jitter=True, max_retries=5,
)
def sweep_deadlines(self, batch_size=None):
    """Periodic deadline sweep (Celery beat, every DEADLINE_SWEEP_SECONDS): warnings and escalations.

    Idempotent and safe to run in two workers at once (see cases.escalation). A transient database
    error is retried with backoff; whatever a failed run left undone, the next run finishes. The
    "deadline-sweep" heartbeat (read by /healthz) is recorded only after a complete run.
    """
    from cases.escalation import sweep

    started = timezone.now()
    result = sweep(started, **({"batch_size": batch_size} if batch_size else {}))
    # Other apps' deadlines (e.g. admission reviews) run in the same sweep: settings.DEADLINE_SWEEP_STEPS.
    for path in getattr(settings, "DEADLINE_SWEEP_STEPS", ()):
        result[path.rsplit(".", 2)[0]] = import_string(path)(started)
    heartbeat_record(name="deadline-sweep", started_at=started, result=result)
    if result["escalated"] or result["warned"]:
        logger.info("deadline sweep", extra={"sweep": result})
    return result


@shared_task(
    bind=True, autoretry_for=(OperationalError, InterfaceError, ConnectionError, TimeoutError),
    retry_backoff=5, retry_backoff_max=120, retry_jitter=True, max_retries=5,
)
def anonymise_resident_data(self):
    """Periodic (hourly): blank residents' names and phones RESIDENT_DATA_RETENTION_DAYS after closing
    (cases.privacy.anonymise_due, idempotent: a second run changes nothing)."""
    from cases.privacy import anonymise_due

    done = anonymise_due(timezone.now())
    if done:
        logger.info("resident data anonymised", extra={"cases": done})
    return done
