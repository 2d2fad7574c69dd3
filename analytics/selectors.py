"""Reads of the pipeline's results, scoped to the customers the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from analytics.models import CustomerMetrics, PipelineRun, TierChange
from customers.selectors import customer_visibility_q


def customer_metrics_list(*, user) -> QuerySet[CustomerMetrics]:
    """Every customer's latest metrics the user may see, with the customer and rule joined."""
    return (
        CustomerMetrics.objects.filter(customer_visibility_q(user=user, prefix="customer__"))
        .select_related("customer", "tier_rule")
        .order_by("customer__code")
    )


def loss_making_customer_list(*, user) -> QuerySet[CustomerMetrics]:
    """Loss-making customers, biggest loss first; each row carries its components."""
    return (
        customer_metrics_list(user=user)
        .filter(is_loss_making=True)
        .order_by("contribution", "customer__code")
    )


def churn_warning_list(*, user) -> QuerySet[CustomerMetrics]:
    """Customers with a churn warning, most valuable (CLV) first."""
    return (
        customer_metrics_list(user=user)
        .filter(is_churn_warning=True)
        .order_by("-clv", "customer__code")
    )


def tier_change_list(*, user) -> QuerySet[TierChange]:
    return (
        TierChange.objects.filter(customer_visibility_q(user=user, prefix="customer__"))
        .select_related("customer")
        .order_by("-changed_at", "-id")
    )


def pipeline_run_latest() -> PipelineRun | None:
    """The most recent run (running or finished), for the progress bar; None before the first."""
    return PipelineRun.objects.defer("parameters").order_by("-created_at", "-id").first()
