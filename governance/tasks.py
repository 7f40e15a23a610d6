import logging
import smtplib

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from governance.emails import send_templated_email
from governance.models import Notification
from governance.services import absolute_url

logger = logging.getLogger(__name__)


@shared_task(
    bind=True, autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError, OSError),
    retry_backoff=True, retry_backoff_max=600, max_retries=6,
)
def send_notification_emails(self, notification_ids):
    """Email copies of in-app notifications. Idempotent: a notification already emailed is skipped.

    A mail failure is retried with backoff and never blocks the step that created the notification.
    """
    for notification_id in notification_ids:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(pk=notification_id, emailed_at__isnull=True)
                .first()
            )
            if notification is None or not notification.recipient.email:
                continue
            send_templated_email(
                "notification",
                to=[notification.recipient.email],
                context={"notification": notification, "link": absolute_url(notification.url) if notification.url else ""},
            )
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
