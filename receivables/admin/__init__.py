"""The back office for the ledger.

Ledger rows are never deleted or edited here: invoices, payments and
allocations are posted through their services and then only viewed (the
maintained amounts are read-only). What happens to a posted row afterwards is
an admin action calling its service: voiding, writing off, disputing and
crediting an invoice, applying a payment oldest due first, unapplying
allocations, resolving disputes, cancelling promises to pay. Credit notes and
write-offs are created by those invoice actions; their lists link to the
invoice. The customer list gets the statement actions (``statements``).

Every list is scoped to the customers the user may see, and the big lists are
searched by exact keys so they use an index.
"""

from receivables.admin import (
    adjustments,
    balances,
    collections,  # the collections worklist (#4)
    dunning,
    invoices,
    payments,
    statements,
)

__all__ = [
    "adjustments",
    "balances",
    "collections",
    "dunning",
    "invoices",
    "payments",
    "statements",
]
