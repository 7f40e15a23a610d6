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


@register.filter
def state_label(case):
    """The state as people say it: an assigned case a department has claimed reads 已签收, not 已交办."""
    from django.utils.translation import gettext as _

    if getattr(case, "state", None) == "assigned" and getattr(case, "claimed_at", None):
        return _("已签收")
    return case.get_state_display()


@register.filter
def with_aria(field):
    """The field's widget with aria-describedby naming its error list and help text, by the ids that
    cases/snippets/field.html gives them (so a screen reader reads both with the field)."""
    ids = []
    if field.errors:
        ids.append(f"{field.auto_id}_errors")
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    attrs = {"aria-describedby": " ".join(ids)} if ids and field.auto_id else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def contacts(text, clear):
    """A case's free text for this viewer: as written when they see the resident in clear (`texts_clear`),
    else with its phone and ID numbers masked (cases.privacy.text_for)."""
    from cases import privacy

    return privacy.text_for(clear, text or "")
