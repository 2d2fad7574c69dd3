"""Writes to contacts."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from crm.exceptions import Conflict, ValidationFailed
from crm.validation import full_clean_or_fail
from customers.models import Contact, Customer

_EDITABLE_FIELDS = ("name", "job_title", "email", "phone", "is_billing", "is_email_valid")


def _check(
    *, customer: Customer, email: str, is_billing: bool, exclude_id: int | None = None
) -> None:
    if is_billing and not email:
        raise ValidationFailed.for_field(
            "email",
            "A billing contact needs an email address for statements and reminders.",
            code="billing_contact_without_email",
        )
    if email:
        others = customer.contacts.filter(email__iexact=email)
        if exclude_id:
            others = others.exclude(pk=exclude_id)
        if others.exists():
            raise Conflict(
                f"Customer {customer.code} already has a contact with email {email}.",
                code="duplicate_contact_email",
                extra={
                    "fields": {"email": ["This customer already has a contact with this email."]}
                },
            )


@transaction.atomic
def contact_create(
    *,
    customer: Customer,
    name: str,
    email: str = "",
    phone: str = "",
    job_title: str = "",
    is_billing: bool = False,
) -> Contact:
    email = (email or "").strip().lower()
    _check(customer=customer, email=email, is_billing=is_billing)
    contact = Contact(
        customer=customer,
        name=name,
        email=email,
        phone=phone,
        job_title=job_title,
        is_billing=is_billing,
    )
    full_clean_or_fail(contact, validate_unique=False, validate_constraints=False)
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, data: dict[str, Any]) -> Contact:
    unknown = set(data) - set(_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"These fields cannot be changed: {', '.join(sorted(unknown))}.",
            extra={"fields": {name: ["This field cannot be changed."] for name in sorted(unknown)}},
        )
    if "email" in data:
        data = {**data, "email": (data["email"] or "").strip().lower()}
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    for name, value in data.items():
        setattr(locked, name, value)
    _check(
        customer=locked.customer,
        email=locked.email,
        is_billing=locked.is_billing,
        exclude_id=locked.pk,
    )
    full_clean_or_fail(locked, validate_unique=False, validate_constraints=False)
    locked.save()
    return locked


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """Remove a contact; a customer's history does not depend on it."""
    Contact.objects.filter(pk=contact.pk).delete()
