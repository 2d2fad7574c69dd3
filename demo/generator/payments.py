"""Payments behind the allocations: one per allocation, or one per payment run for
customers who pay several invoices at once; a few overpaid, a few bounced."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.generator import words
from demo.generator.invoicing import Invoices
from demo.generator.settlement import Events
from demo.generator.traits import Customers

_METHODS = np.array(words.PAYMENT_METHODS)


@dataclass(frozen=True)
class Payments:
    """Payments of one chunk, sorted by customer and day; ``allocation_payment`` maps
    each allocation (in the ledger's order) to its payment."""

    owner: np.ndarray
    day: np.ndarray
    amount: np.ndarray  # minor units
    allocated: np.ndarray  # minor units
    method: np.ndarray
    is_bounced: np.ndarray
    allocation_payment: np.ndarray

    def __len__(self) -> int:
        return len(self.owner)


def payments_generate(
    rng: np.random.Generator, customers: Customers, invoices: Invoices, allocations: Events
) -> Payments:
    owner = invoices.owner[allocations.invoice]
    # Batch payers pay everything due on a payment run with one transfer; others
    # send one payment per invoice instalment.
    batch = customers.is_batch_payer[owner]
    separate = np.where(batch, -1, np.arange(len(owner)))
    order = np.lexsort((separate, allocations.day, owner))
    key_owner, key_day, key_separate = owner[order], allocations.day[order], separate[order]
    starts_new = np.ones(len(order), dtype=bool)
    starts_new[1:] = (
        (np.diff(key_owner) != 0) | (np.diff(key_day) != 0) | (np.diff(key_separate) != 0)
    )
    group_of_sorted = np.cumsum(starts_new) - 1
    starts = np.flatnonzero(starts_new)
    received_allocation_payment = np.empty(len(order), dtype=np.int64)
    received_allocation_payment[order] = group_of_sorted

    received_owner = key_owner[starts]
    received_day = key_day[starts]
    allocated = (
        np.add.reduceat(allocations.amount[order], starts)
        if len(starts)
        else np.zeros(0, dtype=np.int64)
    )
    p = len(starts)
    # A few customers pay more than they owe: the rest stays on account.
    overpaid = rng.random(p) < 0.01
    extra = np.maximum(100, np.rint(allocated * rng.uniform(0.01, 0.2, p))).astype(np.int64)
    received_amount = allocated + np.where(overpaid, extra, 0)
    received_method = _METHODS[customers.payment_method[received_owner]]

    # A bounced attempt days before the payment that finally cleared.
    propensity = customers.propensity[received_owner]
    bounced = rng.random(p) < 0.002 + 0.03 * propensity
    earliest_issue = (
        np.minimum.reduceat(invoices.issue[allocations.invoice][order], starts)
        if p
        else np.zeros(0, dtype=np.int64)
    )
    bounced_day = np.maximum(received_day - rng.integers(3, 15, p), earliest_issue)
    bounced_method = np.where(received_method == "check", "check", "direct_debit")

    all_owner = np.concatenate([received_owner, received_owner[bounced]])
    all_day = np.concatenate([received_day, bounced_day[bounced]])
    is_bounced = np.concatenate([np.zeros(p, dtype=bool), np.ones(int(bounced.sum()), dtype=bool)])
    final_order = np.lexsort((is_bounced, all_day, all_owner))
    new_position = np.empty(len(final_order), dtype=np.int64)
    new_position[final_order] = np.arange(len(final_order))
    return Payments(
        owner=all_owner[final_order],
        day=all_day[final_order],
        amount=np.concatenate([received_amount, received_amount[bounced]])[final_order],
        allocated=np.concatenate([allocated, np.zeros(int(bounced.sum()), dtype=np.int64)])[
            final_order
        ],
        method=np.concatenate([received_method, bounced_method[bounced]])[final_order],
        is_bounced=is_bounced[final_order],
        allocation_payment=new_position[received_allocation_payment],
    )
