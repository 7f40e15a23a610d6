"""API and Open311 routes: /api/v1/..., /api/schema/, /api/docs/, /open311/v2/... (issue: REST API)."""

urlpatterns = []
