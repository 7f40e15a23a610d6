from django import template
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def duration_minutes(value):
    """A timedelta as whole minutes in words ("15 分钟"), rounded up: the lockout page tells a
    clerk how long to wait, and "PT15M" (what django-axes offers) means nothing to them."""
    if value is None:
        return ""
    minutes = max(1, -(-int(value.total_seconds()) // 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d 小时", "%(n)d 小时", hours) % {"n": hours}
    return ngettext("%(n)d 分钟", "%(n)d 分钟", minutes) % {"n": minutes}
