"""Reads of customers and contacts, scoped to what the user may see."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    DecimalField,
    Exists,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from crm import roles
from crm.auth import user_group_names
from crm.money import DECIMAL_PLACES, MAX_DIGITS
from customers.models import Contact, Customer

# Roles that work the whole portfolio; a sales rep sees only the customers they own.
_PORTFOLIO_ROLES = (
    roles.COLLECTIONS_CLERK,
    roles.CREDIT_MANAGER,
    roles.FINANCE_ADMIN,
    roles.INTEGRATOR,
)


def user_sees_all_customers(user: AbstractBaseUser | AnonymousUser) -> bool:
    """The audited accessor for row-level visibility of customers."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return not user_group_names(user).isdisjoint(_PORTFOLIO_ROLES)


def customer_visibility_q(*, user: AbstractBaseUser | AnonymousUser, prefix: str = "") -> Q:
    """The condition "the customer at ``prefix`` is one the user may see".

    ``prefix`` is the path to the customer from the queried model, such as
    ``"customer__"`` for invoices or ``"invoice__customer__"`` for allocations.
    Other apps scope their rows with this, so the rule lives in one place.
    """
    if user_sees_all_customers(user):
        return Q()
    if not user.is_authenticated:
        return Q(**{f"{prefix}pk__in": []})
    return Q(**{f"{prefix}sales_rep": user})


def customer_visibility_sql(
    *, user: AbstractBaseUser | AnonymousUser, column: str
) -> tuple[str, list]:
    """The same condition as :func:`customer_visibility_q` for raw SQL on the hot paths:
    ``(fragment, params)`` to AND into a WHERE clause, ``column`` the customer's sales-rep column."""
    if user_sees_all_customers(user):
        return "1 = 1", []
    if not user.is_authenticated:
        return "1 = 0", []
    return f"{column} = %s", [user.pk]


def customer_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Customer]:
    """Customers the user may see: all of them, or a sales rep's own."""
    return Customer.objects.select_related("sales_rep").filter(customer_visibility_q(user=user))


def customer_get(*, user: AbstractBaseUser | AnonymousUser, customer_id: int) -> Customer | None:
    return customer_list(user=user).filter(pk=customer_id).first()


def contact_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Contact]:
    queryset = Contact.objects.select_related("customer")
    if user_sees_all_customers(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(customer__sales_rep=user)


def contact_billing_email(*, customer: Customer) -> str | None:
    """The address reminders and statements go to, or None when there is none usable."""
    contact = (
        customer.contacts.filter(is_billing=True, is_email_valid=True)
        .exclude(email="")
        .order_by("pk")
        .first()
    )
    return contact.email if contact else None


def _invoice_model() -> type[Model]:
    # Invoices live in receivables, to the right of customers: reach the model
    # through the reverse relation instead of importing it.
    return Customer._meta.get_field("invoices").related_model


def _open_invoice_sum(*, as_of: date | None = None) -> Coalesce:
    """Sum of the open amounts of the customer's invoices in the customer's currency
    (overdue ones only when ``as_of`` is given), as a correlated subquery."""
    open_items = _invoice_model().objects.filter(
        customer=OuterRef("pk"), currency=OuterRef("currency"), open_amount__gt=0
    )
    if as_of is not None:
        open_items = open_items.filter(due_date__lt=as_of)
    money = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    total = open_items.order_by().values("customer").annotate(total=Sum("open_amount"))
    return Coalesce(
        Subquery(total.values("total")[:1], output_field=money),
        Value(Decimal("0.00")),
        output_field=money,
    )


def customer_list_with_balances(
    *, user: AbstractBaseUser | AnonymousUser, as_of: date
) -> QuerySet[Customer]:
    """``customer_list`` plus each customer's balance in its own currency.

    Annotates ``open_balance`` (open amount of all invoices), ``overdue_amount``
    (open amount of invoices due before ``as_of``) and
    ``has_open_items_in_other_currencies`` (open invoices in another currency,
    which the two sums leave out rather than add up across currencies). Each is
    a correlated subquery on the open-invoice index, so a page of customers
    costs one query however many invoices they have.
    """
    other_currency_items = (
        _invoice_model()
        .objects.filter(customer=OuterRef("pk"), open_amount__gt=0)
        .exclude(currency=OuterRef("currency"))
    )
    return customer_list(user=user).annotate(
        open_balance=_open_invoice_sum(),
        overdue_amount=_open_invoice_sum(as_of=as_of),
        has_open_items_in_other_currencies=Exists(other_currency_items),
    )
