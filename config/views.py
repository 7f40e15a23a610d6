import logging
import os

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.navigation import add_tile_counts, public_tiles, role_tiles
from governance.models import JobHeartbeat
from governance.selectors import memberships_of

logger = logging.getLogger(__name__)


class LoginView(auth_views.LoginView):
    """Django's login, telling people up front how many wrong passwords lock the account (django-axes)."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lockout_limit"] = settings.AXES_FAILURE_LIMIT
        context["lockout_cooloff"] = settings.AXES_COOLOFF_TIME
        return context


@require_GET
def home(request):
    if not request.user.is_authenticated:
        return render(request, "governance/home_public.html", {"tiles": public_tiles()})
    memberships = memberships_of(request.user)
    tiles = add_tile_counts(request.user, role_tiles(request.user))
    if request.user.is_staff:
        tiles.append({"url": reverse("admin:index"), "title": _("系统管理"), "description": _("管理单位、人员、任职和节假日")})
    return render(
        request,
        "governance/home.html",
        {"memberships": memberships, "tiles": tiles, "public_tiles": public_tiles()},
    )




def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, None
    except Exception as exc:  # noqa: BLE001 - any failure means "down" to an operator
        return False, exc.__class__.__name__


def _check_broker():
    if settings.CELERY_EMBEDDED:
        # The filesystem transport is "up" when its folders exist and this process may write to them.
        broken = [str(p) for p in settings.CELERY_BROKER_DIRS if not (p.is_dir() and os.access(p, os.W_OK))]
        return (not broken), (f"folders missing or not writable: {', '.join(broken)}" if broken else None)
    from config.celery import app

    try:
        # Read the URL now (not at start-up) so an operator sees the broker the settings name.
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, None
    except Exception as exc:  # noqa: BLE001 - any failure means "down" to an operator
        return False, exc.__class__.__name__


@never_cache
@require_GET
def healthz(request):
    """Liveness for operators and container health checks.

    503 when the database or the broker is down. A stale sweep (worker or beat dead) is reported
    as "degraded" with 200, so the web containers are not restarted for a fault they cannot fix.
    """
    db_ok, db_error = _check_database()
    broker_ok, broker_error = _check_broker()
    sweep = {"last_run_at": None, "age_seconds": None, "ok": False}
    if db_ok:
        beat = JobHeartbeat.objects.filter(name="deadline-sweep").first()
        if beat and beat.last_finished_at:
            age = (timezone.now() - beat.last_finished_at).total_seconds()
            sweep = {
                "last_run_at": beat.last_finished_at.isoformat(),
                "age_seconds": round(age, 1),
                "ok": age < settings.DEADLINE_SWEEP_SECONDS * 5,
                "result": beat.last_result,
            }
    status = "ok" if db_ok and broker_ok and sweep["ok"] else ("degraded" if db_ok and broker_ok else "down")
    body = {
        "status": status,
        "database": {"ok": db_ok, "error": db_error},
        "broker": {"ok": broker_ok, "error": broker_error, "embedded": settings.CELERY_EMBEDDED},
        "sweep": sweep,
        "time": timezone.now().isoformat(),
    }
    if status == "down":
        logger.error("healthz down", extra={"health": body})
    return JsonResponse(body, status=503 if status == "down" else 200)
