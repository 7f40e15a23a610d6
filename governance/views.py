import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from governance import services
from governance.selectors import notification_list

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
    page = Paginator(notification_list(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "governance/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_mark_read(request):
    services.notification_mark_read(user=request.user)
    return redirect("notifications")


