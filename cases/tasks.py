from celery import shared_task
from django.utils import timezone

from governance.services import heartbeat_record


@shared_task
def sweep_deadlines():
    """Periodic deadline sweep (every DEADLINE_SWEEP_SECONDS). Until escalation lands it records a heartbeat."""
    started = timezone.now()
    heartbeat_record(name="deadline-sweep", started_at=started, result={"escalated": 0})
