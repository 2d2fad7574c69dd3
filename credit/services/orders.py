"""Open orders reported by an integrator: accepted, not yet invoiced, counted in exposure.

A report that raises the open orders (a new or reopened order, a higher amount)
announces ``credit.events.open_order_raised``; its receiver runs the over-limit
hold rule after commit, the same task and setting a posted invoice runs. Closing,
lowering or sending an order again unchanged never places a hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from credit import events
from credit.lock_objects import credit_profile_lock
from credit.models import OpenOrder, OpenOrderStatus
from credit.services._input import clean_amount, clean_currency, clean_reference
from credit.services.profiles import credit_profile_ensure
from crm.exceptions import Conflict, NotFound, ValidationFailed
from customers.models import Customer

_ZERO = Decimal("0.00")


def _profile_currency(customer: Customer) -> str:
    # Locking the profile serialises every open-order write of one customer.
    profile = credit_profile_lock(customer_id=customer.pk)
    if profile is None:
        profile = credit_profile_ensure(customer_id=customer.pk)
        profile = credit_profile_lock(customer_id=customer.pk)
    if profile is None:
        raise NotFound(f"There is no customer with id {customer.pk}.")
    return profile.currency


def _upsert(
    *,
    customer: Customer,
    reference: str,
    amount: Decimal,
    currency: str,
    user: AbstractBaseUser | None,
) -> tuple[OpenOrder, bool, Decimal]:
    """Returns (order, created, the amount the order counted in the exposure before)."""
    reporter = user if user is not None and user.is_authenticated else None
    order = OpenOrder.objects.filter(customer=customer, external_reference=reference).first()
    if order is None:
        order = OpenOrder.objects.create(
            customer=customer,
            external_reference=reference,
            amount=amount,
            currency=currency,
            reported_by=reporter,
        )
        return order, True, _ZERO
    counted = _counted_amount(order, currency=currency)
    order.amount, order.currency, order.reported_by = amount, currency, reporter
    order.status, order.closed_at = OpenOrderStatus.OPEN, None
    order.save()
    return order, False, counted


def _counted_amount(order: OpenOrder, *, currency: str) -> Decimal:
    """What the order adds to the exposure kept in ``currency`` (the profile's)."""
    if order.status != OpenOrderStatus.OPEN or order.currency != currency:
        return _ZERO
    return order.amount


def _open_orders_total(*, customer: Customer, currency: str) -> Decimal:
    total = OpenOrder.objects.filter(
        customer=customer, status=OpenOrderStatus.OPEN, currency=currency
    ).aggregate(total=Sum("amount"))["total"]
    return _ZERO if total is None else total


def _announce_raised(order: OpenOrder) -> None:
    """The exposure went up: the over-limit hold rule runs after commit, as for an invoice."""
    events.open_order_raised.send(
        sender=OpenOrder,
        order_id=order.pk,
        customer_id=order.customer_id,
        reported_at=order.updated_at,
    )


@transaction.atomic
def open_order_report(
    *,
    customer: Customer,
    external_reference: str,
    amount: Decimal | str,
    currency: str,
    user: AbstractBaseUser | None = None,
) -> tuple[OpenOrder, bool]:
    """Report an open order, or replace the amount of the one with this reference
    (a closed one reopens). Returns (order, created)."""
    expected = _profile_currency(customer)
    currency = clean_currency(currency=currency, expected=expected)
    reference = clean_reference(field="external_reference", reference=external_reference)
    value = clean_amount(
        field="amount", amount=amount, currency=currency, rounds_to_minor_unit=True
    )
    order, created, counted = _upsert(
        customer=customer, reference=reference, amount=value, currency=currency, user=user
    )
    if order.amount > counted:
        _announce_raised(order)
    return order, created


@transaction.atomic
def open_order_replace_all(
    *,
    customer: Customer,
    orders: Iterable[Mapping[str, Any]],
    user: AbstractBaseUser | None = None,
) -> list[OpenOrder]:
    """Make ``orders`` the customer's complete set of open orders: each is reported
    (created or replaced) and every other open order of the customer is closed.
    All or nothing: one bad order leaves every order as it was. The over-limit hold
    rule runs when the new set sums to more than the open orders it replaces."""
    expected = _profile_currency(customer)
    cleaned = _cleaned_orders(orders, expected=expected)
    before = _open_orders_total(customer=customer, currency=expected)
    OpenOrder.objects.filter(customer=customer, status=OpenOrderStatus.OPEN).exclude(
        external_reference__in=list(cleaned)
    ).update(status=OpenOrderStatus.CLOSED, closed_at=timezone.now(), updated_at=timezone.now())
    results = [
        _upsert(customer=customer, reference=reference, amount=value, currency=currency, user=user)
        for reference, (value, currency) in cleaned.items()
    ]
    _announce_if_raised(results, before=before)
    return [order for order, _created, _counted in results]


def _announce_if_raised(results: list[tuple[OpenOrder, bool, Decimal]], *, before: Decimal) -> None:
    """A replaced set raised the exposure when it sums to more than the open orders before;
    the first order it raised stands for the report."""
    raised = [order for order, _created, counted in results if order.amount > counted]
    if raised and sum((order.amount for order, *_rest in results), _ZERO) > before:
        _announce_raised(raised[0])


def _cleaned_orders(
    orders: Iterable[Mapping[str, Any]], *, expected: str
) -> dict[str, tuple[Decimal, str]]:
    """Reference -> (amount, currency) of each order, or the first order's error."""
    cleaned: dict[str, tuple[Decimal, str]] = {}
    for index, order in enumerate(orders):
        try:
            currency = clean_currency(currency=order.get("currency", ""), expected=expected)
            reference = clean_reference(
                field="external_reference", reference=order.get("external_reference", "")
            )
            value = clean_amount(
                field="amount",
                amount=order.get("amount", ""),
                currency=currency,
                rounds_to_minor_unit=True,
            )
        except ValidationFailed as error:
            raise ValidationFailed(
                f"Order {index + 1}: {error.message}",
                code=error.code,
                extra={"fields": {"orders": {index: error.extra.get("fields", {})}}},
            ) from None
        if reference in cleaned:
            raise ValidationFailed.for_field(
                "orders", f"The reference {reference} is listed twice; list each order once."
            )
        cleaned[reference] = (value, currency)
    return cleaned


@transaction.atomic
def open_order_close(*, order: OpenOrder, user: AbstractBaseUser | None = None) -> OpenOrder:
    """The order was invoiced or cancelled: it no longer counts. 409 when already closed."""
    _profile_currency(order.customer)
    order = OpenOrder.objects.get(pk=order.pk)
    if order.status == OpenOrderStatus.CLOSED:
        raise Conflict(
            f"The open order {order.external_reference} is already closed.", code="already_closed"
        )
    order.status, order.closed_at = OpenOrderStatus.CLOSED, timezone.now()
    order.save(update_fields=["status", "closed_at", "updated_at"])
    return order
