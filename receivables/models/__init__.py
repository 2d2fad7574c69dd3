"""The models of the receivables app, one module per concern."""

from receivables.models.balances import (
    MAX_AGING_BUCKETS,
    BalanceSnapshot,
    CustomerBalance,
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
    "MAX_AGING_BUCKETS",
    "Allocation",
    "BalanceSnapshot",
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
