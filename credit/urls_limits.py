"""Pages of the limit requests, included under /credit/ by crm/urls.py."""

from django.urls import path

from credit import views_limits

app_name = "credit_limits"

urlpatterns = [
    path("approvals/", views_limits.approvals, name="approvals"),
    path(
        "approvals/<int:request_id>/decide/", views_limits.approval_decide, name="approval-decide"
    ),
    path(
        "customers/<int:customer_id>/limits/",
        views_limits.customer_limits,
        name="customer-limits",
    ),
    path(
        "customers/<int:customer_id>/limits/request/",
        views_limits.limit_request_create,
        name="limit-request-create",
    ),
    path(
        "limit-requests/<int:request_id>/cancel/",
        views_limits.limit_request_cancel,
        name="limit-request-cancel",
    ),
]
