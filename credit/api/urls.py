"""Routes of the credit API, included under /api/v1/ by crm/urls.py."""

from rest_framework.routers import DefaultRouter

from credit.api.checks import CreditCheckViewSet
from credit.api.orders import OpenOrderViewSet

router = DefaultRouter()
router.include_root_view = False
router.include_format_suffixes = False
router.register("credit-checks", CreditCheckViewSet, basename="credit-check")
router.register("open-orders", OpenOrderViewSet, basename="open-order")

urlpatterns = router.urls
