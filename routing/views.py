"""The public lookup 这件事归谁管？ (no sign-in, rate-limited per address), answered by the routing service; the\ndepartment profiles list editors keep (their statutory functions, 三定), which the service reads."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.cache import count_hit
from config.forms import service_errors_into_form
from responsibilities.forms import LookupForm
from routing import index as routing_index
from routing import selectors, services
from routing.forms import ProfileForm

LOOKUP_RATE = (30, 60)  # at most 30 lookups a minute from one address


def _client_address(request):
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _over_rate(request):
    count, seconds = getattr(settings, "ROUTING_LOOKUP_RATE", LOOKUP_RATE)
    key = f"routing:lookup-rate:{_client_address(request)}"
    return count_hit(key, seconds) > count


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


# --- Department profiles (list editors) --------------------------------------------------------------------


@login_required
@require_GET
def profile_index(request):
    departments = selectors.profile_departments_for_editor(request.user)
    return render(request, "routing/profiles/index.html", {"departments": departments})


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request, code):
    unit = selectors.profile_department_for_editor(request.user, code)
    profile = unit.routing_profile if routing_index._has_profile(unit) else None
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(unit=unit, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            service_errors_into_form(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”的职责画像，分拨建议即时采用新的表述。") % {"name": unit.display_name})
            return redirect("routing:profile_index")
    context = {"unit": unit, "form": form, "events": selectors.profile_events(unit)}
    return render(request, "routing/profiles/edit.html", context)
