"""The models of the receivables app, one module per concern."""

from receivables.models.balances import (
    MAX_AGING_BUCKETS,
    BalanceSnapshot,
    CustomerBalance,
)
from receivables.models.collections import (
    CONTACT_KINDS,
    ActivityKind,
    CollectionActivity,
    CollectionCase,
)
from receivables.models.dunning import (
    CustomerDunningPolicy,
    DunningChannel,
    DunningLevel,
    DunningNotice,
    DunningNoticeInvoice,
    DunningNoticeStatus,
    DunningPolicy,
)
from receivables.models.ledger import (
    Allocation,
    CreditNote,
    Dispute,
    DisputeStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    WriteOff,
)
from receivables.models.promises import (
    PromiseStatus,
    PromiseToPay,
)

__all__ = [
    "CONTACT_KINDS",
    "MAX_AGING_BUCKETS",
    "ActivityKind",
    "Allocation",
    "BalanceSnapshot",
    "CollectionActivity",
    "CollectionCase",
    "CreditNote",
    "CustomerBalance",
    "CustomerDunningPolicy",
    "Dispute",
    "DisputeStatus",
    "DunningChannel",
    "DunningLevel",
    "DunningNotice",
    "DunningNoticeInvoice",
    "DunningNoticeStatus",
    "DunningPolicy",
    "Invoice",
    "InvoiceStatus",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "PromiseStatus",
    "PromiseToPay",
    "WriteOff",
]
