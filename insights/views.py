"""The findings page (/insights/): a county's policy jams of a month, heaviest first, each with its cases."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.forms import service_errors_into_form
from insights import permissions, selectors
from insights.forms import ThresholdsForm
from insights.services import month_of, thresholds_for, thresholds_save


def _month(request):
    """The month asked for as ?month=YYYY-MM (this month when absent or malformed)."""
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        return month_of(date(year, month, 1))
    except ValueError:
        return month_of(timezone.localdate())


@login_required
@require_GET
def index(request):
    county = selectors.county_for(request.user, request.GET.get("county") or None)
    if county is None:
        raise PermissionDenied(_("您没有查看政策堵点分析的权限。"))
    start, end = _month(request)
    context = {
        "county": county, "counties": permissions.counties_for(request.user), "start": start, "end": end,
        "month": start.strftime("%Y-%m"), "findings": selectors.findings_of(county, start, end),
    }
    return render(request, "insights/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def thresholds(request):
    """The county's own thresholds for the detectors: its supervisors and list editors change them (POST)."""
    county = selectors.county_for(request.user, request.GET.get("county") or request.POST.get("county") or None)
    if county is None:
        raise PermissionDenied(_("您没有修改政策堵点分析阈值的权限。"))
    form = ThresholdsForm(request.POST or None, current=thresholds_for(county))
    if request.method == "POST" and form.is_valid():
        try:
            thresholds_save(county=county, actor=request.user, values=form.cleaned_data)
        except ValidationError as exc:
            service_errors_into_form(form, exc)
        else:
            messages.success(request, _("阈值已保存，下次计算堵点时生效。"))
            return redirect(f"{reverse('insights:thresholds')}?county={county.pk}")
    return render(request, "insights/thresholds.html", {"county": county, "form": form})
