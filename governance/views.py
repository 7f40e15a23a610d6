import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from governance import services
from governance.selectors import notification_group_items, notification_groups, notification_ids_in_groups

logger = logging.getLogger(__name__)


class LoginView(auth_views.LoginView):
    """Django's login, telling people up front how many wrong passwords lock the account (django-axes)."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lockout_limit"] = settings.AXES_FAILURE_LIMIT
        context["lockout_cooloff"] = settings.AXES_COOLOFF_TIME
        return context


@login_required
@require_GET
def notifications(request):
    """Notifications one row per case (a case's assignment, urges and escalations together), with the
    unread count of each; ticked rows, or all, can be marked read at once."""
    page = Paginator(notification_groups(request.user), 30).get_page(request.GET.get("page"))
    notification_group_items(request.user, page.object_list)
    return render(request, "governance/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_mark_read(request):
    keys = request.POST.getlist("group")
    if keys:
        services.notification_mark_read(user=request.user,
                                        notification_ids=notification_ids_in_groups(request.user, keys[:200]))
    elif not request.POST.get("selected"):  # "全部标为已读" (and the plain POST of older pages)
        services.notification_mark_read(user=request.user)
    return redirect(request.POST.get("next") if (request.POST.get("next") or "").startswith("/notifications/")
                    and "//" not in request.POST.get("next") else "notifications")


