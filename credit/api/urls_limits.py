"""Routes of the credit-limit request API, included under /api/v1/ by crm/urls.py."""

from rest_framework.routers import DefaultRouter

from credit.api.limit_requests import CreditLimitRequestViewSet

router = DefaultRouter()
router.include_root_view = False
router.include_format_suffixes = False
router.register("credit-limit-requests", CreditLimitRequestViewSet, basename="credit-limit-request")

urlpatterns = router.urls
