"""Template helpers for deadlines (owned by the deadlines work; queues and case pages use them).

    {% load deadlines %}
    {% time_left case %}            '剩余 3小时20分', '已超时 2天1小时', '计时暂停（剩余 …）', '' without a clock
    case|is_overdue                 True when the running deadline has passed
    case|deadline_status            'overdue' | 'warning' | 'paused' | 'ok' | '' (a CSS hook: deadline-<status>)
    {% escalation_label case %}     '第2级督办' or ''
    {% deadline_panel_context case user as dl %}
                                    what the case page panels need: permissions, pending extension, history

time_left, is_overdue, deadline_status and escalation_label use only the case row: no queries,
so queues can call them per row.
"""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import deadlines

register = template.Library()


def _format(delta):
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)d天%(h)d小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d小时%(m)d分") % {"h": hours, "m": minutes}
    return _("%(m)d分钟") % {"m": minutes}


@register.simple_tag
def time_left(case):
    """'剩余 3小时20分', '已超时 2天1小时', '' when no clock runs."""
    left = deadlines.time_left(case, timezone.now())
    if left is None:
        return ""
    if case.paused_at is not None:
        return _("计时暂停（剩余 %(t)s）") % {"t": _format(left)}
    if left.total_seconds() < 0:
        return _("已超时 %(t)s") % {"t": _format(left)}
    return _("剩余 %(t)s") % {"t": _format(left)}


@register.filter
def is_overdue(case):
    return deadlines.is_overdue(case, timezone.now())


@register.filter
def deadline_status(case):
    now = timezone.now()
    left = deadlines.time_left(case, now)
    if left is None:
        return ""
    if case.paused_at is not None:
        return "paused"
    if left.total_seconds() < 0:
        return "overdue"
    if case.warn_at is not None and case.warn_at <= now:
        return "warning"
    return "ok"


@register.simple_tag
def escalation_label(case):
    if not case.escalation_level:
        return ""
    # "督办" alone is the supervision centre (督办中心); an escalation is 超时升级 with its level.
    return _("超时升级·第%(n)d级") % {"n": case.escalation_level}


@register.simple_tag
def deadline_panel_context(case, user):
    """Everything the deadline and extension panels show, with the user's permissions (a few queries, case page only).
    Both panels call it; the result is kept on the case object for the request."""
    cache_key = f"_deadline_panel_{getattr(user, 'pk', None)}"
    if hasattr(case, cache_key):
        return getattr(case, cache_key)
    context = _deadline_panel_context(case, user)
    setattr(case, cache_key, context)
    return context


def _deadline_panel_context(case, user):
    from cases import workflow
    from cases.escalation import Directory, _escalation_targets

    history = list(case.extensions.select_related("requested_by", "decided_by").order_by("-created_at", "-pk")[:10])
    pending = next((e for e in history if e.status == e.Status.PENDING), None)
    level_unit = None
    if case.escalation_level and case.due_at is not None:
        directory = Directory()
        directory.prepare([case])
        level_unit, _notified, _ids = _escalation_targets(directory, case, case.escalation_level)
    authenticated = getattr(user, "is_authenticated", False)
    return {
        "history": history,
        "pending": pending,
        # The steps of cases.workflow: the page offers exactly what the API lists and the service accepts.
        "can_request": bool(authenticated and workflow.allowed("extend", user, case)),
        "can_decide": bool(authenticated and pending is not None and workflow.allowed("extension_decision", user, case)),
        "can_urge": bool(authenticated and workflow.allowed("urge", user, case)),
        "level_unit": level_unit,
    }
