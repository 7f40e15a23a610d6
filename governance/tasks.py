"""Celery tasks of the governance app: the email outbox's delivery (governance.outbox)."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)


@shared_task(
    bind=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, retry_backoff_max=120,
    retry_jitter=True, max_retries=3,
)
def deliver_notification_emails(self):
    """Send every pending notification email (the outbox). Run by beat every EMAIL_OUTBOX_SECONDS and
    kicked after each commit that wrote one. Idempotent and safe in any number of workers at once:
    the rows, not the messages, say what is left to send."""
    from governance.outbox import deliver

    result = deliver()
    if result["sent"] or result["failed"]:
        logger.info("notification emails", extra={"outbox": result})
    return result


@shared_task
def send_notification_emails(notification_ids=None):
    """Messages enqueued before the outbox existed name ids; the outbox knows what is pending."""
    return deliver_notification_emails()
