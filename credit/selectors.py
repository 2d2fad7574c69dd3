"""Reads of credit profiles, exposure, holds, checks and reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    DecimalField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from credit.models import (
    CreditCheck,
    CreditHoldEvent,
    CreditProfile,
    CreditReview,
    CreditReviewSchedule,
    OpenOrder,
    OpenOrderStatus,
)
from crm.money import DECIMAL_PLACES, MAX_DIGITS, quantize
from customers.models import Customer
from customers.selectors import customer_visibility_q
from receivables.models import CustomerBalance, Invoice

User = AbstractBaseUser | AnonymousUser
_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
_ZERO = Decimal("0.00")


def credit_profile_get(*, customer: Customer) -> CreditProfile | None:
    return CreditProfile.objects.filter(customer=customer).first()


@dataclass(frozen=True)
class CreditPosition:
    """What a customer may still buy on credit, in the profile's currency.

    ``open_ar`` is the maintained CustomerBalance total (no invoice scan),
    ``open_orders`` what an integrator reported as accepted but not invoiced.
    """

    customer: Customer
    profile: CreditProfile
    open_ar: Decimal
    open_orders: Decimal
    overdue: Decimal
    oldest_overdue_due_date: date | None

    @property
    def currency(self) -> str:
        return self.profile.currency

    @property
    def credit_limit(self) -> Decimal:
        return self.profile.credit_limit

    @property
    def exposure(self) -> Decimal:
        return self.open_ar + self.open_orders

    @property
    def available_credit(self) -> Decimal:
        return self.credit_limit - self.exposure

    def days_overdue(self, *, as_of: date) -> int:
        if self.oldest_overdue_due_date is None:
            return 0
        return max((as_of - self.oldest_overdue_due_date).days, 0)


def _sum_subquery(queryset: QuerySet, field: str) -> Coalesce:
    summed = queryset.order_by().values("customer").annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(summed, output_field=_MONEY), Value(_ZERO), output_field=_MONEY)


def _position_queryset(*, as_of: date, exclude_order_reference: str = "") -> QuerySet[Customer]:
    """Customers with their profile and the figures of a CreditPosition, one query."""
    currency = OuterRef("credit_profile__currency")
    orders = OpenOrder.objects.filter(
        customer=OuterRef("pk"), status=OpenOrderStatus.OPEN, currency=currency
    )
    if exclude_order_reference:
        # The order being checked may already be reported: do not count it twice.
        orders = orders.exclude(external_reference=exclude_order_reference)
    open_invoices = Invoice.objects.filter(customer=OuterRef("pk"), open_amount__gt=0)
    balance = CustomerBalance.objects.filter(customer=OuterRef("pk"), currency=currency)
    return (
        Customer.objects.select_related("credit_profile")
        .order_by()
        .annotate(
            position_open_ar=Coalesce(
                Subquery(balance.values("open_total")[:1], output_field=_MONEY),
                Value(_ZERO),
                output_field=_MONEY,
            ),
            position_open_orders=_sum_subquery(orders, "amount"),
            position_overdue=_sum_subquery(
                open_invoices.filter(due_date__lt=as_of, currency=currency), "open_amount"
            ),
            position_oldest_due=Subquery(
                open_invoices.filter(due_date__lt=as_of).order_by("due_date").values("due_date")[:1]
            ),
        )
    )


def _position(customer: Customer) -> CreditPosition | None:
    try:
        profile = customer.credit_profile
    except CreditProfile.DoesNotExist:
        return None
    currency = profile.currency
    # SQLite hands sums back without their scale; every figure in the currency's minor unit.
    return CreditPosition(
        customer=customer,
        profile=profile,
        open_ar=quantize(customer.position_open_ar, currency),
        open_orders=quantize(customer.position_open_orders, currency),
        overdue=quantize(customer.position_overdue, currency),
        oldest_overdue_due_date=customer.position_oldest_due,
    )


def credit_position_get(
    *,
    customer_id: int,
    user: User | None = None,
    as_of: date | None = None,
    exclude_order_reference: str = "",
) -> CreditPosition | None:
    """The customer's credit position, or None when there is no such customer,
    the user may not see it (``user`` given) or it has no credit profile yet."""
    queryset = _position_queryset(
        as_of=as_of or timezone.localdate(), exclude_order_reference=exclude_order_reference
    )
    if user is not None:
        queryset = queryset.filter(customer_visibility_q(user=user))
    customer = queryset.filter(pk=customer_id).first()
    return None if customer is None else _position(customer)


def customer_exposure(*, customer: Customer) -> Decimal:
    """Open AR (maintained balance) plus reported open orders, in the profile's currency."""
    position = credit_position_get(customer_id=customer.pk)
    return _ZERO if position is None else position.exposure


def credit_hold_event_list(*, customer: Customer) -> QuerySet[CreditHoldEvent]:
    return (
        CreditHoldEvent.objects.filter(customer=customer)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def open_order_list(*, user: User) -> QuerySet[OpenOrder]:
    return OpenOrder.objects.filter(customer_visibility_q(user=user, prefix="customer__"))


def credit_check_list(*, user: User) -> QuerySet[CreditCheck]:
    return CreditCheck.objects.filter(customer_visibility_q(user=user, prefix="customer__"))


def credit_review_list(*, customer: Customer) -> QuerySet[CreditReview]:
    return (
        CreditReview.objects.filter(customer=customer)
        .select_related("reviewer")
        .order_by("-reviewed_at", "-pk")
    )


def credit_review_queue(*, user: User, as_of: date | None = None) -> QuerySet[Customer]:
    """Customers whose review is overdue or due within CRM_CREDIT_REVIEW_DUE_WITHIN_DAYS,
    earliest first, with their schedule, profile and open AR (maintained balance)."""
    today = as_of or timezone.localdate()
    horizon = today + timedelta(days=settings.CRM_CREDIT_REVIEW_DUE_WITHIN_DAYS)
    balance = CustomerBalance.objects.filter(
        customer=OuterRef("pk"), currency=OuterRef("credit_profile__currency")
    )
    orders = OpenOrder.objects.filter(
        customer=OuterRef("pk"),
        status=OpenOrderStatus.OPEN,
        currency=OuterRef("credit_profile__currency"),
    )
    return (
        Customer.objects.filter(
            customer_visibility_q(user=user), credit_review_schedule__next_review_on__lte=horizon
        )
        .select_related("credit_review_schedule", "credit_profile")
        .annotate(
            queue_open_ar=Coalesce(
                Subquery(balance.values("open_total")[:1], output_field=_MONEY),
                Value(_ZERO),
                output_field=_MONEY,
            ),
            queue_open_orders=_sum_subquery(orders, "amount"),
        )
        .annotate(queue_exposure=F("queue_open_ar") + F("queue_open_orders"))
        .order_by("credit_review_schedule__next_review_on", "pk")
    )


def credit_review_schedule_get(*, customer: Customer) -> CreditReviewSchedule | None:
    return CreditReviewSchedule.objects.filter(customer=customer).first()


def customer_open_orders(*, customer: Customer) -> QuerySet[OpenOrder]:
    return OpenOrder.objects.filter(customer=customer, status=OpenOrderStatus.OPEN).order_by(
        "-created_at", "-pk"
    )


def customer_credit_checks(*, customer: Customer) -> QuerySet[CreditCheck]:
    return CreditCheck.objects.filter(customer=customer).order_by("-created_at", "-pk")
