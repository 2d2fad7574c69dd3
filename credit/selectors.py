"""Reads of credit profiles."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from credit.models import CreditProfile
from customers.models import Customer
from receivables.models import Invoice


def credit_profile_get(*, customer: Customer) -> CreditProfile | None:
    return CreditProfile.objects.filter(customer=customer).first()


def customer_exposure(*, customer: Customer) -> Decimal:
    """Open AR of the customer (indexed read of open invoices)."""
    total = Invoice.objects.filter(customer=customer, open_amount__gt=0).aggregate(
        s=Sum("open_amount")
    )["s"]
    return total or Decimal("0.00")
