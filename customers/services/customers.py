"""Writes to customers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from crm import roles
from crm.exceptions import Conflict, ValidationFailed
from crm.money import is_known_currency
from crm.validation import external_id_unused, full_clean_or_fail
from customers import events
from customers.models import Customer, CustomerStatus, Tier

_EDITABLE_FIELDS = (
    "name",
    "tax_id",
    "industry",
    "region",
    "country",
    "sales_channel",
    "currency",
    "payment_terms_days",
    "language",
    "sales_rep",
    "status",
    "customer_since",
    "external_id",
)


def _check_sales_rep(user: Any) -> None:
    if user is None:
        return
    if not isinstance(user, get_user_model()):
        raise ValidationFailed.for_field("sales_rep", "Sales rep must be a user.")
    if not user.groups.filter(name=roles.SALES_REP).exists():
        raise ValidationFailed.for_field(
            "sales_rep",
            f"User {user.get_username()} is not in the sales_rep role.",
            code="not_a_sales_rep",
        )


def _check_fields(data: dict[str, Any]) -> None:
    currency = data.get("currency")
    if currency is not None and not is_known_currency(currency):
        raise ValidationFailed.for_field(
            "currency",
            f"Unknown currency {currency!r}; use an ISO-4217 code such as USD or EUR.",
            code="unknown_currency",
        )
    terms = data.get("payment_terms_days")
    if terms is not None and not 0 <= int(terms) <= 365:
        raise ValidationFailed.for_field(
            "payment_terms_days", "Payment terms must be 0 to 365 days."
        )
    if "sales_rep" in data:
        _check_sales_rep(data["sales_rep"])


def _check_unique(
    *, code: str | None, external_id: str | None, exclude_id: int | None = None
) -> None:
    others = Customer.objects.exclude(pk=exclude_id) if exclude_id else Customer.objects.all()
    if code and others.filter(code=code).exists():
        raise Conflict(
            f"A customer with code {code!r} already exists.",
            code="duplicate_customer_code",
            extra={"fields": {"code": ["A customer with this code already exists."]}},
        )
    external_id_unused(others, external_id, noun="customer")


@transaction.atomic
def customer_create(
    *,
    code: str,
    name: str,
    industry: str,
    region: str,
    sales_channel: str,
    currency: str,
    payment_terms_days: int = 30,
    tax_id: str = "",
    country: str = "",
    language: str = "en",
    sales_rep: Any = None,
    status: str = CustomerStatus.ACTIVE,
    customer_since: date | None = None,
    external_id: str | None = None,
) -> Customer:
    fields = {
        "code": code, "name": name, "industry": industry, "region": region,
        "sales_channel": sales_channel, "currency": currency, "payment_terms_days": payment_terms_days,
        "tax_id": tax_id, "country": country, "language": language, "sales_rep": sales_rep,
        "status": status, "customer_since": customer_since or timezone.localdate(),
        "external_id": external_id or None,
    }  # fmt: skip
    _check_fields(fields)
    _check_unique(code=code, external_id=fields["external_id"])
    customer = Customer(**fields)
    full_clean_or_fail(customer, validate_unique=False)
    customer.save()
    events.customer_created.send(sender=Customer, customer_id=customer.pk)
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, data: dict[str, Any]) -> Customer:
    unknown = set(data) - set(_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"These fields cannot be changed: {', '.join(sorted(unknown))}.",
            extra={"fields": {name: ["This field cannot be changed."] for name in sorted(unknown)}},
        )
    _check_fields(data)
    _check_unique(code=None, external_id=data.get("external_id"), exclude_id=customer.pk)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    changed = [name for name, value in data.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, data[name])
    if changed:
        full_clean_or_fail(locked, validate_unique=False)
        locked.save(update_fields=[*changed, "updated_at"])
        events.customer_updated.send(sender=Customer, customer_id=locked.pk, changed_fields=changed)
    return locked


@transaction.atomic
def customer_tier_set(*, customer_id: int, tier: str) -> bool:
    """Set the tier analytics decided; returns whether it changed."""
    if tier not in Tier.values:
        raise ValidationFailed.for_field(
            "tier", f"Unknown tier {tier!r}; use one of {', '.join(Tier.values)}."
        )
    updated = (
        Customer.objects.filter(pk=customer_id)
        .exclude(tier=tier)
        .update(tier=tier, tier_changed_at=timezone.now(), updated_at=timezone.now())
    )
    if updated:
        events.customer_updated.send(
            sender=Customer, customer_id=customer_id, changed_fields=["tier"]
        )
    return bool(updated)


_RISK_CHUNK = 900  # ids per UPDATE: within SQLite's bound on parameters


def customer_risk_set_many(*, risks: dict[int, tuple[str, Decimal | None]]) -> int:
    """Store the risk grade and probability of default credit computed, in bulk.

    ``risks`` maps customer id to ``(grade, probability_of_default)``; returns
    the number of customers written. Customers sharing a (grade, probability)
    pair (a grade's PD is one figure) are written by one UPDATE per chunk of
    ids, so a whole portfolio takes a few statements; no per-row events: the
    caller (credit's scoring) announces its own event. All or nothing.
    """
    groups: dict[tuple[str, Decimal | None], list[int]] = {}
    for customer_id, (grade, probability) in risks.items():
        if probability is not None and not (Decimal(0) <= probability <= Decimal(1)):
            raise ValidationFailed.for_field(
                "probability_of_default",
                f"Probability of default {probability} of customer {customer_id} is outside 0..1.",
            )
        groups.setdefault((grade, probability), []).append(customer_id)
    with transaction.atomic():
        for (grade, probability), ids in groups.items():
            for start in range(0, len(ids), _RISK_CHUNK):
                Customer.objects.filter(pk__in=ids[start : start + _RISK_CHUNK]).update(
                    risk_grade=grade, probability_of_default=probability
                )
    return len(risks)
