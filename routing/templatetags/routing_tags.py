"""Highlighting of the words a suggestion matched: `{{ text|highlight:words }}` wraps each occurrence of a
matched word (or one of its synonyms) in <mark>, escaping everything else."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from routing.text import highlight_terms

register = template.Library()


@register.filter
def highlight(value, words):
    value = str(value or "")
    terms = highlight_terms(value, words or [])
    if not terms:
        return escape(value)
    low = value.lower()
    out, i = [], 0
    while i < len(value):
        term = next((t for t in terms if low.startswith(t, i)), None)
        if term is None:
            out.append(escape(value[i]))
            i += 1
        else:
            out.append(f"<mark>{escape(value[i:i + len(term)])}</mark>")
            i += len(term)
    return mark_safe("".join(out))


@register.filter
def percent(value):
    try:
        return f"{round(float(value) * 100)}%"
    except (TypeError, ValueError):
        return ""
