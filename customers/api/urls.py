"""Routes of the customers API, included under /api/v1/ by crm/urls.py."""

from rest_framework.routers import DefaultRouter

from customers.api.contacts import ContactViewSet
from customers.api.customers import CustomerViewSet

router = DefaultRouter()
# No browsable root (it would sit behind DenyAll) and no ".json" twins of every route.
router.include_root_view = False
router.include_format_suffixes = False
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns = router.urls
