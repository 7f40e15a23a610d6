"""API and Open311 routes: /api/v1/..., /api/schema/, /api/docs/, /open311/v2/... (included at the site root)."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from admission.api import register as register_admissions
from assessment.api import FiguresView, RankingView
from assessment.api import register as register_assessment
from cases.api import register as register_cases
from cases.open311 import views as open311
from governance.api import DepartmentViewSet, ObtainTokenView, UnitViewSet, api_not_found
from responsibilities.api import register as register_lists
from routing.api import SuggestView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("units", UnitViewSet, basename="unit")
router.register("departments", DepartmentViewSet, basename="department")

# Each app registers its own endpoints (responsibilities/api.py, cases/api.py).
register_lists(router)
register_cases(router)
register_admissions(router)
register_assessment(router)

# Swagger UI with its settings script served as a file (?script), not inline: scripts stay 'self' only.
# Its page (and the styles Swagger UI injects) needs inline styles, on this one page.
api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))

FMT = r"\.(?P<fmt>xml|json)$"
open311_urls = [
    re_path(r"^discovery" + FMT, open311.DiscoveryView.as_view(), name="discovery"),
    re_path(r"^services" + FMT, open311.ServiceListView.as_view(), name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, open311.ServiceDefinitionView.as_view(), name="service"),
    re_path(r"^requests" + FMT, open311.RequestListView.as_view(), name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, open311.RequestDetailView.as_view(), name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, open311.TokenView.as_view(), name="token"),
]

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="token"),
    path("routing/suggest/", SuggestView.as_view(), name="routing-suggest"),
    path("assessment/figures/", FiguresView.as_view(), name="assessment-figures"),
    path("assessment/ranking/", RankingView.as_view(), name="assessment-ranking"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    re_path(r"^api/v1/(?:.*/)?$", api_not_found),  # any other /api/v1/ address: the JSON error body, not an HTML page
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("open311/v2/", include((open311_urls, "open311"), namespace="open311")),
]
