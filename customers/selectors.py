"""Reads of customers and contacts, scoped to what the user may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from crm import roles
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
    return user.groups.filter(name__in=_PORTFOLIO_ROLES).exists()


def customer_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Customer]:
    """Customers the user may see: all of them, or a sales rep's own."""
    queryset = Customer.objects.select_related("sales_rep")
    if user_sees_all_customers(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(sales_rep=user)


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
