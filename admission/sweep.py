"""Review deadlines of admission requests, enforced by the same periodic sweep as cases.

cases.tasks.sweep_deadlines runs every step named in settings.DEADLINE_SWEEP_STEPS; this is one.
A request under review (审查中 or 征求意见中) is first reminded: once its `remind_at` (the same warning point
as cases, governance.calendar.warning_point) has passed and before `due_at`, the reviewers are told the stage
is due soon, once per stage. Once `due_at` has passed it is escalated: level 1 tells the reviewers again and
the supervisors of the request's county; each CASE_DEADLINES escalation_step_hours later the next level
tells the supervisors one government up, to the top.

Safe to run twice or in two workers at once: rows are locked with SKIP LOCKED, the level is raised by
compare-and-set, the event and the notifications (with a dedupe key per request, due time, level and
recipient) are written in the same transaction.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from admission.models import REVIEW_STATES, AdmissionEvent, AdmissionRequest
from governance.models import Unit
from governance.selectors import supervisors_of
from governance.services import notification_send, system_user

BATCH_SIZE = 200


def _chain(county):
    """The county, then its ancestor governments nearest first."""
    ancestors = {u.pk: u for u in Unit.objects.filter(pk__in=county.ancestor_ids())}
    return [county] + [ancestors[pk] for pk in reversed(county.ancestor_ids()) if pk in ancestors]


def _step_hours():
    return settings.CASE_DEADLINES["escalation_step_hours"]


def _due_for_escalation(now):
    step = timedelta(hours=_step_hours())
    return AdmissionRequest.objects.filter(state__in=REVIEW_STATES, due_at__lt=now).filter(
        escalated_at__isnull=True
    ) | AdmissionRequest.objects.filter(state__in=REVIEW_STATES, due_at__lt=now, escalated_at__lt=now - step)


def _due_for_reminder(now):
    """Served by the partial index admission_review_remind_at."""
    return AdmissionRequest.objects.filter(state__in=REVIEW_STATES, reminded_at__isnull=True, remind_at__lte=now)


def _remind(request, now, system):
    from admission.services import _reviewers

    updated = AdmissionRequest.objects.filter(pk=request.pk, reminded_at__isnull=True).update(reminded_at=now)
    if not updated:
        return False
    if request.due_at is None or request.due_at <= now:
        return False  # already overdue: the escalation (which tells the reviewers too) is the message
    stage = request.get_state_display()
    due = timezone.localtime(request.due_at).strftime("%Y-%m-%d %H:%M")
    AdmissionEvent.objects.create(
        request=request, actor=system, actor_name=_("系统"), actor_unit=request.county, action="admission.reminded",
        from_state=request.state, to_state=request.state,
        reason=_("%(stage)s将于 %(due)s 到期，请及时办理。") % {"stage": stage, "due": due},
        data={"due_at": request.due_at.isoformat()},
    )
    for user in _reviewers(request):
        notification_send(
            recipients=[user], kind="admission.reminded",
            title=_("职责准入申请 %(number)s 审查即将到期") % {"number": request.number},
            body=_("%(title)s：%(stage)s将于 %(due)s 到期。") % {"title": request.title, "stage": stage, "due": due},
            url=reverse("admission:detail", args=[request.pk]), subject=f"admission:{request.pk}",
            dedupe_key=f"admission-remind:{request.pk}:{request.due_at.timestamp():.0f}:{user.pk}",
        )
    return True


def _escalate(request, now, system):
    from admission.services import _reviewers

    chain = _chain(request.county)
    level = request.escalation_level + 1
    if level > len(chain):
        return False
    updated = AdmissionRequest.objects.filter(pk=request.pk, escalation_level=request.escalation_level).update(
        escalation_level=level, escalated_at=now
    )
    if not updated:
        return False
    request.escalation_level = level
    unit = chain[level - 1]
    recipients = {u.pk: u for u in supervisors_of(unit)}
    if level == 1:
        recipients.update({u.pk: u for u in _reviewers(request)})
    stage = request.get_state_display()
    AdmissionEvent.objects.create(
        request=request, actor=system, actor_name=_("系统"), actor_unit=unit, action="admission.escalated",
        from_state=request.state, to_state=request.state,
        reason=_("%(stage)s超过时限（%(due)s），升级至%(unit)s督办。") % {
            "stage": stage, "due": timezone.localtime(request.due_at).strftime("%Y-%m-%d %H:%M"), "unit": unit.display_name},
        data={"level": level, "unit": unit.pk, "due_at": request.due_at.isoformat()},
    )
    for user in recipients.values():
        notification_send(
            recipients=[user], kind="admission.escalated",
            title=_("职责准入申请 %(number)s 审查超时（第 %(level)s 级督办）") % {"number": request.number, "level": level},
            body=_("%(title)s：%(stage)s已超过时限。") % {"title": request.title, "stage": stage},
            url=reverse("admission:detail", args=[request.pk]), subject=f"admission:{request.pk}",
            dedupe_key=f"admission-esc:{request.pk}:{request.due_at.timestamp():.0f}:{level}:{user.pk}",
        )
    return True


def step(now=None):
    """One run over the admission review deadlines. Returns {"reminded": n, "escalated": n}."""
    now = now or timezone.now()
    system = system_user()
    reminded = 0
    while True:
        with transaction.atomic():
            batch = list(
                _due_for_reminder(now).select_for_update(skip_locked=True, of=("self",))
                .select_related("county").order_by("remind_at", "pk")[:BATCH_SIZE]
            )
            reminded += sum(1 for request in batch if _remind(request, now, system))
        if len(batch) < BATCH_SIZE:
            break
    escalated = 0
    while True:
        with transaction.atomic():
            batch = list(
                _due_for_escalation(now).select_for_update(skip_locked=True, of=("self",))
                .select_related("county").order_by("due_at", "pk")[:BATCH_SIZE]
            )
            done = sum(1 for request in batch if _escalate(request, now, system))
        escalated += done
        if len(batch) < BATCH_SIZE or not done:
            break
    return {"reminded": reminded, "escalated": escalated}
