"""Middleware of the governance app."""

from governance import views


class HealthzMiddleware:
    """Answer GET /healthz before anything reads the Host header.

    Container and load-balancer health checks call http://127.0.0.1:8000/healthz, a host that
    is (rightly) not in ALLOWED_HOSTS; going through the rest of the stack would turn every
    check into a DisallowedHost 400. The answer holds no user data and sets no cookie, so it
    is safe to give whatever Host was asked for. Must be first in settings.MIDDLEWARE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return views.healthz(request)
        return self.get_response(request)
