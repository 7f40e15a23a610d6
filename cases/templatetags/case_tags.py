"""Small display helpers for case pages and queues (owned by the cases work)."""

from django import template

from cases.audit import action_label

register = template.Library()

STATE_TAG = {
    "reported": "tag-warn", "triaged": "tag-warn", "assigned": "tag-basic", "resolved": "tag-ok",
    "closed": "tag-ok", "returned": "tag-assisting", "withdrawn": "",
}

@register.filter
def state_tag(case):
    return STATE_TAG.get(getattr(case, "state", case), "")


@register.filter
def event_label(action):
    """The timeline's label of an event action (cases.audit.CaseAction), never the raw code."""
    return action_label(action)
