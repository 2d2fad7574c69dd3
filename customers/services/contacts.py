"""Writes to contacts."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from crm.exceptions import Conflict, ValidationFailed
from crm.validation import full_clean_or_fail
from customers import events
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
    _announce(contact, ["name", "email", "phone", "job_title", "is_billing", "is_email_valid"])
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
    if "email" in data and data["email"] != locked.email and "is_email_valid" not in data:
        # A new address has not bounced yet: it is presumed valid again.
        data = {**data, "is_email_valid": True}
    changed = [name for name, value in data.items() if getattr(locked, name) != value]
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
    if changed:
        _announce(locked, changed)
    return locked


@transaction.atomic
def contact_email_invalidate(*, customer_id: int, email: str) -> list[Contact]:
    """Mark the customer's contacts with ``email`` as not deliverable (a bounce came
    back), so statements and reminders stop going there; returns those changed."""
    email = (email or "").strip().lower()
    if not email:
        raise ValidationFailed.for_field(
            "email", "Say which address bounced.", code="bounce_without_email"
        )
    contacts = list(
        Contact.objects.select_for_update()
        .filter(customer_id=customer_id, email__iexact=email, is_email_valid=True)
        .order_by("pk")
    )
    for contact in contacts:
        contact.is_email_valid = False
        contact.save(update_fields=["is_email_valid", "updated_at"])
        _announce(contact, ["is_email_valid"])
    return contacts


def _announce(contact: Contact, changed_fields: list[str]) -> None:
    events.contact_changed.send(
        sender=Contact,
        contact_id=contact.pk,
        customer_id=contact.customer_id,
        changed_fields=changed_fields,
    )


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """Remove a contact; a customer's history does not depend on it."""
    Contact.objects.filter(pk=contact.pk).delete()
