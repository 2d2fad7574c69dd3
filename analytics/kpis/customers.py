"""Reads of the per-customer analytics for the pages and the API, scoped to the user.

Sales reps see their own customers, every other role the whole portfolio
(``customers.selectors.customer_visibility_q`` is the one rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import DecimalField, F, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from analytics import selectors as pipeline_reads
from analytics.models import CustomerMetrics, PipelineRun, RunStatus
from credit.selectors import customers_exposure_annotations
from crm.exceptions import ValidationFailed
from crm.money import DECIMAL_PLACES, MAX_DIGITS, quantize
from customers.models import Customer, Tier
from customers.selectors import customer_list_with_balances

User = AbstractBaseUser | AnonymousUser
_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)

# ?sort= value -> ordering of the "my customers" list (ties broken by code).
CUSTOMER_ORDERINGS = {
    "code": ("code",),
    "name": ("name", "code"),
    "tier": ("tier", "code"),
    "clv": (F("metrics__clv").desc(nulls_last=True), "code"),
    "overdue": ("-overdue_amount", "code"),
    "available_credit": (F("available_credit").asc(nulls_last=True), "code"),
}


def customer_metrics_list(*, user: User) -> QuerySet[CustomerMetrics]:
    """The pipeline's ``customer_metrics_list`` (scoped) with each customer's rep joined."""
    return pipeline_reads.customer_metrics_list(user=user).select_related("customer__sales_rep")


def loss_maker_list(*, user: User) -> QuerySet[CustomerMetrics]:
    """Loss-making customers, the largest loss first, with the components of their contribution."""
    return pipeline_reads.loss_making_customer_list(user=user).select_related("customer__sales_rep")


def loss_maker_top(*, user: User, limit: int) -> list[CustomerMetrics]:
    """The first ``limit`` rows of :func:`loss_maker_list` (the dashboard's short list).

    One statement: the ``limit``-th largest loss is found from the metrics alone
    (their partial index on loss makers), and only the rows down to it are joined
    to their customers and ordered as the list is (ties by customer code). Joined
    first, every customer of the portfolio was read to rank about 1,000 loss
    makers (37 ms against a few at 100,000 customers).
    """
    if limit < 1:
        return []
    cutoff = (
        pipeline_reads.loss_making_customer_list(user=user)
        .order_by("contribution")
        .values("contribution")[limit - 1 : limit]
    )
    # Fewer loss makers than the limit: no cutoff, every one of them.
    rows = loss_maker_list(user=user).filter(
        contribution__lte=Coalesce(Subquery(cutoff), F("contribution"))
    )
    return list(rows[:limit])


# The churn warnings' order: the most valuable first, the lowest P(alive) among equals.
_CHURN_ORDER = (
    F("clv").desc(nulls_last=True),
    F("probability_alive").asc(nulls_last=True),
    "customer_id",
)


def churn_warning_list(*, user: User) -> QuerySet[CustomerMetrics]:
    """Customers with a churn warning, the most valuable first (lowest P(alive) among equals)."""
    return customer_metrics_list(user=user).filter(is_churn_warning=True).order_by(*_CHURN_ORDER)


def churn_warning_top(*, user: User, limit: int) -> list[CustomerMetrics]:
    """The first ``limit`` rows of :func:`churn_warning_list` with a known CLV (the
    dashboard's short list).

    One statement: the warnings are ranked on the metrics alone (found through
    their partial index; CLV has no index, see ``CustomerMetrics.Meta.indexes``),
    and only the winners are read with their customer, rep and rule. Joined first,
    every customer of the portfolio was read to rank about 12,000 warnings (80-88
    ms at 100,000 customers).
    """
    if limit < 1:
        return []
    warned = Q(is_churn_warning=True, clv__isnull=False)
    winners = (
        pipeline_reads.customer_metrics_list(user=user)
        .filter(warned)
        .order_by(*_CHURN_ORDER)
        .values("customer_id")[:limit]
    )
    rows = customer_metrics_list(user=user).filter(warned, customer_id__in=winners)
    return list(rows.order_by(*_CHURN_ORDER))


def my_customer_list(
    *,
    user: User,
    as_of: date,
    tier: str | None = None,
    segment: str | None = None,
    churn_warning_only: bool = False,
    search: str = "",
    sort: str = "code",
) -> QuerySet[Customer]:
    """The customers the user may see with what a sales rep needs on one line.

    Each customer carries ``metrics`` and ``credit_profile`` (joined) and the
    annotations ``open_balance`` and ``overdue_amount`` (customer's currency,
    as of ``as_of``), ``exposure`` and ``available_credit``
    (credit limit − exposure; NULL without a credit profile). Exposure is counted as the
    credit check counts it: open AR in the credit profile's currency plus open orders.
    """
    if sort not in CUSTOMER_ORDERINGS:
        raise ValidationFailed.for_field(
            "sort",
            f"Unknown sort {sort!r}; use one of: {', '.join(CUSTOMER_ORDERINGS)}.",
            code="unknown_sort",
        )
    if tier and tier not in Tier.values:
        raise ValidationFailed.for_field(
            "tier",
            f"Unknown tier {tier!r}; use one of: {', '.join(Tier.values)}.",
            code="unknown_tier",
        )
    customers = (
        customer_list_with_balances(user=user, as_of=as_of)
        .select_related("metrics", "credit_profile")
        # Exposure as the credit check counts it (credit's own expression): open AR in
        # the credit profile's currency plus the open orders reported in it.
        .annotate(**customers_exposure_annotations(prefix="credit_"))
        .annotate(exposure=F("credit_exposure"))
        .annotate(available_credit=F("credit_profile__credit_limit") - F("exposure"))
    )
    if tier:
        customers = customers.filter(tier=tier)
    if segment:
        customers = customers.filter(metrics__rfm_segment=segment)
    if churn_warning_only:
        customers = customers.filter(metrics__is_churn_warning=True)
    if search:
        customers = customers.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return customers.order_by(*CUSTOMER_ORDERINGS[sort])


MONEY_ANNOTATIONS = ("open_balance", "overdue_amount", "exposure", "available_credit")


def customer_amounts_rounded(customer: Customer) -> Customer:
    """Round the summed annotations of ``my_customer_list`` to the customer's currency.

    PostgreSQL returns the sums with two places already; SQLite returns them as
    it computed them (``Decimal("400")``), so pages and exports round them here,
    once, the same way on every database.
    """
    for name in MONEY_ANNOTATIONS:
        value = getattr(customer, name, None)
        if value is not None:
            setattr(customer, name, quantize(value, customer.currency))
    return customer


@dataclass(frozen=True)
class PipelineProgress:
    run_id: int | None
    status: str
    as_of: date | None
    percent: int
    chunks_done: int
    chunks_total: int
    customers_done: int
    customers_total: int
    is_running: bool
    problems: list[str]


IN_PROGRESS = (RunStatus.PENDING, RunStatus.RUNNING)


def pipeline_run_list() -> QuerySet[PipelineRun]:
    return PipelineRun.objects.order_by("-created_at", "-id")


def pipeline_progress() -> PipelineProgress:
    """Where the latest nightly pipeline run is (the dashboard's progress bar polls this)."""
    run = pipeline_reads.pipeline_run_latest()
    if run is None:
        return PipelineProgress(None, "", None, 0, 0, 0, 0, 0, False, [])
    return PipelineProgress(
        run_id=run.pk,
        status=run.status,
        as_of=run.as_of,
        percent=run.progress_percent,
        chunks_done=run.chunks_done,
        chunks_total=run.chunks_total,
        customers_done=run.customers_done,
        customers_total=run.customers_total,
        is_running=run.status in IN_PROGRESS,
        problems=[str(problem) for problem in run.problems or []],
    )
