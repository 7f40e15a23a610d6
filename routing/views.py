"""The public lookup 这件事归谁管？ (no sign-in, rate-limited per address), answered by the routing service."""

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.views.decorators.http import require_GET

from responsibilities.forms import LookupForm
from routing import services

LOOKUP_RATE = (30, 60)  # at most 30 lookups a minute from one address


def _client_address(request):
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _over_rate(request):
    count, seconds = getattr(settings, "ROUTING_LOOKUP_RATE", LOOKUP_RATE)
    key = f"routing:lookup-rate:{_client_address(request)}"
    if cache.add(key, 1, seconds):
        return False
    try:
        return cache.incr(key) > count
    except ValueError:
        return False


@require_GET
def lookup(request):
    form = LookupForm(request.GET or None)
    suggestion, searched, throttled, query = None, False, False, ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        searched = True
        query = form.cleaned_data["q"].strip()
        if _over_rate(request):
            throttled = True
        else:
            suggestion = services.suggest(query, township=form.cleaned_data["township"])
    context = {"form": form, "suggestion": suggestion, "searched": searched, "query": query, "throttled": throttled}
    return render(request, "routing/lookup.html", context, status=429 if throttled else 200)
