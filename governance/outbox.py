"""The email outbox: every notification email goes out exactly once, whatever the broker does.

A notification that must be emailed is written with `email_pending=True` in the same transaction
as the change it reports (governance.services.notification_send, the deadline sweep's bulk insert).
Nothing else is needed for the email to be sent: `deliver()` — run by the Celery beat task
governance.tasks.deliver_notification_emails every EMAIL_OUTBOX_SECONDS, and kicked after commit as
an optimisation — claims pending rows, sends them and marks them sent.

Why nothing is sent twice, and nothing is lost:
  1. Claiming is one short transaction: SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite
     serialises writers) of pending rows whose lease is free, then the lease is set. Two workers
     never claim the same row; a row claimed by a worker that died is free again when its lease
     (EMAIL_LEASE) ends.
  2. Each email is marked sent right after the mail server accepted it, by compare-and-set
     (UPDATE … WHERE email_pending), outside any long transaction. The one window left is a worker
     killed between the server's "accepted" and that UPDATE: that email is sent again after the
     lease (at-least-once there, as with every SMTP client that cannot ask the server).
  3. A broker outage costs only the kick: the request that wrote the row has already committed
     (the kick runs with on_commit(robust=True)), and beat's next run, or the first after the broker
     is back, sends the backlog.
  4. A mail failure leaves the row pending; it is retried after the lease, at most MAX_ATTEMPTS
     times, then given up with an error in the log (the in-app notification is still there).
"""

import logging
import time
from datetime import timedelta

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from governance.emails import send_templated_email
from governance.models import Notification

logger = logging.getLogger(__name__)

CLAIM_SIZE = 50
EMAIL_LEASE = timedelta(minutes=10)  # > CLAIM_SIZE × EMAIL_TIMEOUT: a slow batch keeps its rows
MAX_ATTEMPTS = 8


def pending():
    """Rows whose email must still go out (served by the partial index notification_email_outbox)."""
    return Notification.objects.filter(email_pending=True)


def claim(*, now=None, limit=CLAIM_SIZE):
    """Take the lease on up to `limit` pending rows nobody holds; returns their ids (oldest first)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            pending().filter(Q(email_lease_until__isnull=True) | Q(email_lease_until__lte=now))
            .select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True)[:limit]
        )
        if ids:
            Notification.objects.filter(pk__in=ids).update(
                email_lease_until=now + EMAIL_LEASE, email_attempts=F("email_attempts") + 1
            )
    return ids


def _send_claimed(ids, link_for):
    sent = failed = 0
    rows = (
pending().filter(pk__in=ids).select_related("recipient").order_by("pk")
    )
    connection = get_connection()
    try:
        for notification in rows:
            recipient = notification.recipient
            if not recipient.email or not recipient.is_active:
                Notification.objects.filter(pk=notification.pk).update(email_pending=False, email_lease_until=None)
                continue
            try:
                send_templated_email(
                    "notification", to=[recipient.email], connection=connection,
                    context={"notification": notification, "link": link_for(notification.url) if notification.url else ""},
                )
            except Exception:  # noqa: BLE001 - a mail failure must not stop the rest of the batch
                failed += 1
                give_up = notification.email_attempts >= MAX_ATTEMPTS
                logger.error("notification email failed", exc_info=True,
                             extra={"notification": notification.pk, "attempt": notification.email_attempts,
                                    "given_up": give_up})
                if give_up:
                    Notification.objects.filter(pk=notification.pk).update(email_pending=False)
                continue
            Notification.objects.filter(pk=notification.pk, email_pending=True).update(
                email_pending=False, emailed_at=timezone.now(), email_lease_until=None
            )
            sent += 1
    finally:
        connection.close()
    return sent, failed


def deliver(*, time_budget=50.0, claim_size=CLAIM_SIZE):
    """Send pending emails until none is left or `time_budget` seconds have passed. Idempotent, safe
    in any number of workers at once. Returns {"sent", "failed"}."""
    from governance.services import absolute_url

    kick_started()
    started = time.monotonic()
    totals = {"sent": 0, "failed": 0}
    while time.monotonic() - started < time_budget:
        ids = claim(limit=claim_size)
        if not ids:
            break
        sent, failed = _send_claimed(ids, absolute_url)
        totals["sent"] += sent
        totals["failed"] += failed
    return totals


KICK_KEY = "governance:outbox:kick-queued"
KICK_COALESCE_SECONDS = 10


def kick():
    """After commit: ask a worker to deliver now. Only an optimisation; a broker failure is logged
    (by on_commit(robust=True)) and beat's next run delivers.

    Kicks coalesce: while one delivery task is queued and has not started (KICK_KEY is set; the task
    clears it before it claims), another kick adds nothing, since that task will see this commit's
    rows. A burst of reports thus queues one task, not one per report. The key expires by itself, so a
    lost message or a per-process cache (Redis down, embedded mode) delays an email by at most
    KICK_COALESCE_SECONDS or until beat's next run."""
    from django.core.cache import cache

    from governance.tasks import deliver_notification_emails

    if not cache.add(KICK_KEY, 1, timeout=KICK_COALESCE_SECONDS):
        return
    try:
        deliver_notification_emails.delay()
    except Exception:
        cache.delete(KICK_KEY)
        raise


def kick_started():
    """The delivery task starts: later commits must kick again."""
    from django.core.cache import cache

    cache.delete(KICK_KEY)


def kick_on_commit():
    transaction.on_commit(kick, robust=True)
