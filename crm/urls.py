"""The project's URLconf: the one place that wires every app together."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from crm.api.tokens import TokenObtainView
from crm.health import health_report


def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


api_v1 = [
    # First: the credit check runs before every order, and URLs are tried in order
    # (the prefixes below do not overlap, so the order changes nothing else).
    path("", include("credit.api.urls")),
    path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
    path("", include("customers.api.urls")),
    path("", include("receivables.api.urls")),
    path("", include("credit.scoring.api_urls")),  # credit scoring (#5)
    path("", include("credit.api.urls_limits")),
    path("analytics/", include("analytics.api.urls")),
]

urlpatterns = [
    path("", login_required(TemplateView.as_view(template_name="home.html")), name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("healthz/", healthz, name="healthz"),
    path("receivables/", include("receivables.urls")),
    path("notifications/", include("notifications.urls")),
    path("credit/", include("credit.scoring.urls")),  # credit scoring (#5)
    path("credit/", include("credit.urls")),
    # Credit-limit requests and approvals (issue #5 item 7).
    path("credit/", include("credit.urls_limits")),
    path("analytics/", include("analytics.urls")),
]
