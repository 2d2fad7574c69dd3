"""Routes of the receivables API, included under /api/v1/ by crm/urls.py."""

from rest_framework.routers import DefaultRouter

from receivables.api.aging import AgingViewSet
from receivables.api.allocations import AllocationViewSet
from receivables.api.credit_notes import CreditNoteViewSet
from receivables.api.disputes import DisputeViewSet
from receivables.api.dunning import DunningBounceViewSet, DunningPinViewSet
from receivables.api.invoices import InvoiceViewSet
from receivables.api.payments import PaymentViewSet
from receivables.api.promises import PromiseToPayViewSet
from receivables.api.statements import CustomerStatementViewSet
from receivables.api.write_offs import WriteOffViewSet
from receivables.collections.api import WorklistViewSet
from receivables.collections.api_activities import CollectionActivityViewSet
from receivables.collections.api_kpis import WorklistKpiViewSet

router = DefaultRouter()
# No browsable root (it would sit behind DenyAll) and no ".json" twins of every route.
router.include_root_view = False
router.include_format_suffixes = False
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payments", PaymentViewSet, basename="payment")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("credit-notes", CreditNoteViewSet, basename="credit-note")
router.register("write-offs", WriteOffViewSet, basename="write-off")
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("promises", PromiseToPayViewSet, basename="promise")
router.register("aging", AgingViewSet, basename="aging")
router.register("dunning-pins", DunningPinViewSet, basename="dunning-pin")
router.register("dunning-bounces", DunningBounceViewSet, basename="dunning-bounce")
# The collections worklist (#4).
router.register("worklist-kpis", WorklistKpiViewSet, basename="worklist-kpi")
router.register("worklist", WorklistViewSet, basename="worklist")
router.register("collection-activities", CollectionActivityViewSet, basename="collection-activity")
# A receivables report about one customer, beside the customers' own routes.
router.register(
    r"customers/(?P<customer_id>[^/.]+)/statement",
    CustomerStatementViewSet,
    basename="customer-statement",
)

urlpatterns = router.urls
