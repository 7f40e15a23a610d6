"""Writes for the governance app: units, memberships, notifications, heartbeats."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import JobHeartbeat, Membership, Notification, Unit

SYSTEM_USERNAME = "system"
SYSTEM_DISPLAY_NAME = "系统"


def system_user():
    """The named actor for automatic steps (deadline sweep, escalation). It cannot sign in."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": SYSTEM_DISPLAY_NAME, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _path_for(unit):
    prefix = unit.parent.path if unit.parent_id else "/"
    return f"{prefix}{unit.pk}/"


@transaction.atomic
def unit_create(*, code, name, level, kind, parent=None, short_name="", email="", sort_order=0):
    unit = Unit.objects.create(
        code=code, name=name, level=level, kind=kind, parent=parent, short_name=short_name, email=email,
        sort_order=sort_order,
    )
    unit.path = _path_for(unit)
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def unit_update(*, unit, **fields):
    """Change a unit; when its parent changes, rebuild the materialised path of its whole subtree.

    Raises ValidationError (on "parent") for a move that would make a cycle.
    """
    # Lock the row and read its current path: a concurrent move of the same unit must not
    # rebuild the subtree from a stale prefix.
    old_path = Unit.objects.select_for_update().values_list("path", flat=True).get(pk=unit.pk)
    for name, value in fields.items():
        setattr(unit, name, value)
    if unit.parent_id and unit.parent_id == unit.pk:
        raise ValidationError({"parent": _("上级单位不能是本单位。")})
    if unit.parent_id and unit.parent.path.startswith(old_path):
        raise ValidationError({"parent": _("不能把单位移到它自己的下级单位之下。")})
    unit.save()
    new_path = _path_for(unit)
    if new_path != old_path:
        for descendant in Unit.objects.select_for_update().filter(path__startswith=old_path).order_by("path"):
            descendant.path = new_path + descendant.path[len(old_path):]
            descendant.save(update_fields=["path"])
        unit.refresh_from_db(fields=["path"])
    return unit


def membership_grant(*, user, unit, role, title=""):
    membership, _ = Membership.objects.update_or_create(
        user=user, unit=unit, role=role, defaults={"is_active": True, "title": title}
    )
    return membership


def notification_send(*, recipients, kind, title, body="", url="", subject="", dedupe_key=None, email=True):
    """Create in-app notifications and, with email=True, their email copies in the outbox.

    The rows are written in the caller's transaction, so they commit (or roll back) with the change
    they report; the email is sent by governance.outbox once the row is committed, whatever the
    broker does (see there). With a dedupe_key each recipient gets at most one notification for that
    key, however often this is called (the deadline sweep relies on this to re-send safely after a
    crash). Returns the notifications created by this call.
    """
    from governance.outbox import kick_on_commit

    created = []
    people = {u.pk: u for u in recipients if u is not None and u.is_active}.values()
    rows = [
        Notification(
            recipient=user, kind=kind, title=title[:200], body=body, url=url, subject=subject,
            dedupe_key=f"{dedupe_key}:u{user.pk}" if dedupe_key else None, email_pending=bool(email and user.email),
        )
        for user in people
    ]
    if dedupe_key is None:
        # Nothing to collide with: one INSERT for every recipient (a county's five dispatchers cost one
        # round trip, not five), no savepoint.
        created = Notification.objects.bulk_create(rows)
    else:
        for row in rows:
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
                created.append(row)
            except IntegrityError:
                pass
    if any(n.email_pending for n in created):
        kick_on_commit()
    return created


def notification_mark_read(*, user, notification_ids=None):
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


def heartbeat_record(*, name, started_at, result=None):
    JobHeartbeat.objects.update_or_create(
        name=name,
        defaults={"last_started_at": started_at, "last_finished_at": timezone.now(), "last_result": result or {}},
    )


def absolute_url(path):
    return f"{settings.SITE_URL}{path}"
