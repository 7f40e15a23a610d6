"""Template helpers for deadlines (owned by the deadlines work; queues and case pages use them)."""

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
    if left.total_seconds() < 0:
        return _("已超时 %(t)s") % {"t": _format(left)}
    return _("剩余 %(t)s") % {"t": _format(left)}


@register.filter
def is_overdue(case):
    left = deadlines.time_left(case, timezone.now())
    return left is not None and left.total_seconds() < 0
