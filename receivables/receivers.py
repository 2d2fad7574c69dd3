"""Receivers of the domain events of customers.

A receiver only enqueues an idempotent task after the transaction commits.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from crm.enqueue import publish_on_commit
from customers import events as customer_events

# A change to one of these may give the customer a usable billing email.
_ADDRESS_FIELDS = frozenset({"email", "is_billing", "is_email_valid"})


@receiver(customer_events.contact_changed, dispatch_uid="dunning_requeue_on_contact_changed")
def _requeue_unsendable_notices(
    sender: Any, *, customer_id: int, changed_fields: list[str] = (), **kwargs: Any
) -> None:
    if not _ADDRESS_FIELDS.intersection(changed_fields):
        return
    from receivables.dunning.tasks import dunning_notices_requeue as dunning_notices_requeue_task

    publish_on_commit(dunning_notices_requeue_task, customer_id)
