"""Routes of the receivables API, included under /api/v1/ by crm/urls.py."""

from rest_framework.routers import DefaultRouter

from receivables.api.allocations import AllocationViewSet
from receivables.api.invoices import InvoiceViewSet
from receivables.api.payments import PaymentViewSet

router = DefaultRouter()
# No browsable root (it would sit behind DenyAll) and no ".json" twins of every route.
router.include_root_view = False
router.include_format_suffixes = False
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payments", PaymentViewSet, basename="payment")
router.register("allocations", AllocationViewSet, basename="allocation")

urlpatterns = router.urls
