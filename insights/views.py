"""The findings page (/insights/): a county's policy jams of a month, heaviest first, each with its cases."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from insights import permissions, selectors
from insights.services import month_of


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
