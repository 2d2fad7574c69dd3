"""Reads of credit profiles, exposure, holds, checks and reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
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
from crm.db import ID_MAX, instance_from_row, prepared_cursor, select_columns
from crm.money import DECIMAL_PLACES, MAX_DIGITS, quantize
from customers.models import Customer
from customers.selectors import customer_visibility_q, customer_visibility_sql
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


@cache
def _position_sql() -> str:
    """The one statement of a credit position: customer, profile and four figures.

    Raw SQL because it runs before every order an integrator accepts: the ORM
    form of the same query (four correlated subqueries) cost more to build
    than to run. Only table and column names from model metadata are
    interpolated; ``{visible}`` is filled per call with customers' visibility rule.
    """
    return f"""
        SELECT {select_columns(Customer, "c")}, {select_columns(CreditProfile, "p")},
               COALESCE((SELECT b.open_total FROM {CustomerBalance._meta.db_table} b
                          WHERE b.customer_id = c.id AND b.currency = p.currency), 0),
               COALESCE((SELECT SUM(o.amount) FROM {OpenOrder._meta.db_table} o
                          WHERE o.customer_id = c.id AND o.status = %s
                            AND o.currency = p.currency AND o.external_reference <> %s), 0),
               COALESCE((SELECT SUM(i.open_amount) FROM {Invoice._meta.db_table} i
                          WHERE i.customer_id = c.id AND i.open_amount > 0
                            AND i.due_date < %s AND i.currency = p.currency), 0),
               (SELECT MIN(i.due_date) FROM {Invoice._meta.db_table} i
                 WHERE i.customer_id = c.id AND i.open_amount > 0 AND i.due_date < %s)
          FROM {Customer._meta.db_table} c
          JOIN {CreditProfile._meta.db_table} p ON p.customer_id = c.id
         WHERE c.id = %s AND {{visible}}
    """  # noqa: S608


def _money(value: object, currency: str) -> Decimal:
    # SQLite hands sums back as int/float without their scale.
    if isinstance(value, float):
        value = Decimal(repr(value))
    return quantize(value, currency)


def _date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def credit_position_get(
    *,
    customer_id: int,
    user: User | None = None,
    as_of: date | None = None,
    exclude_order_reference: str = "",
) -> CreditPosition | None:
    """The customer's credit position, or None when there is no such customer,
    the user may not see it (``user`` given) or it has no credit profile yet."""
    if not -ID_MAX - 1 <= customer_id <= ID_MAX:
        return None  # no such row; the database driver would refuse the number (500 on SQLite)
    sql = _position_sql()
    visible, visible_params = ("1 = 1", [])
    if user is not None:
        visible, visible_params = customer_visibility_sql(user=user, column="c.sales_rep_id")
    as_of = as_of or timezone.localdate()
    # The order being checked may already be reported: do not count it twice.
    params = [OpenOrderStatus.OPEN, exclude_order_reference, as_of, as_of, customer_id]
    with prepared_cursor() as cursor:
        cursor.execute(sql.replace("{visible}", visible), [*params, *visible_params])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(Customer._meta.concrete_fields)
    end = split + len(CreditProfile._meta.concrete_fields)
    customer = instance_from_row(Customer, row[:split])
    profile = instance_from_row(CreditProfile, row[split:end])
    _profile_field.set_cached_value(profile, customer)
    _profile_field.remote_field.set_cached_value(customer, profile)
    open_ar, open_orders, overdue, oldest = row[end:]
    currency = profile.currency
    return CreditPosition(
        customer=customer,
        profile=profile,
        open_ar=_money(open_ar, currency),
        open_orders=_money(open_orders, currency),
        overdue=_money(overdue, currency),
        oldest_overdue_due_date=_date(oldest),
    )


_profile_field = CreditProfile._meta.get_field("customer")


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
    return (
        Customer.objects.filter(
            customer_visibility_q(user=user), credit_review_schedule__next_review_on__lte=horizon
        )
        .select_related("credit_review_schedule", "credit_profile")
        .annotate(**customers_exposure_annotations(prefix="queue_"))
        .order_by("credit_review_schedule__next_review_on", "pk")
    )


def customers_exposure_annotations(*, prefix: str) -> dict[str, Any]:
    """Annotations of a Customer queryset giving each customer's exposure as
    ``credit_position_get`` counts it, set-based: ``<prefix>open_ar`` (the maintained
    balance in the credit profile's currency), ``<prefix>open_orders`` (open orders
    reported in that currency) and ``<prefix>exposure`` (their sum; zero without a
    profile). Apply them in one ``annotate(**...)`` call, with a prefix: a Customer
    has an ``open_orders`` relation."""
    balance = CustomerBalance.objects.filter(
        customer=OuterRef("pk"), currency=OuterRef("credit_profile__currency")
    )
    orders = OpenOrder.objects.filter(
        customer=OuterRef("pk"),
        status=OpenOrderStatus.OPEN,
        currency=OuterRef("credit_profile__currency"),
    )
    open_ar = Coalesce(
        Subquery(balance.values("open_total")[:1], output_field=_MONEY),
        Value(_ZERO),
        output_field=_MONEY,
    )
    open_orders = _sum_subquery(orders, "amount")
    return {
        f"{prefix}open_ar": open_ar,
        f"{prefix}open_orders": open_orders,
        f"{prefix}exposure": ExpressionWrapper(open_ar + open_orders, output_field=_MONEY),
    }


def credit_review_schedule_get(*, customer: Customer) -> CreditReviewSchedule | None:
    return CreditReviewSchedule.objects.filter(customer=customer).first()


def customer_open_orders(*, customer: Customer) -> QuerySet[OpenOrder]:
    return OpenOrder.objects.filter(customer=customer, status=OpenOrderStatus.OPEN).order_by(
        "-created_at", "-pk"
    )


def customer_credit_checks(*, customer: Customer) -> QuerySet[CreditCheck]:
    return CreditCheck.objects.filter(customer=customer).order_by("-created_at", "-pk")
