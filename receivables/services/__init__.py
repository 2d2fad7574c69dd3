from receivables.services.adjustments import (
    credit_note_create,
    dispute_open,
    dispute_resolve,
    user_may_write_off,
    write_off_create,
)
from receivables.services.allocations import allocation_create
from receivables.services.invoices import invoice_create
from receivables.services.payments import payment_create
from receivables.services.settlements import (
    allocation_unapply,
    invoice_void,
    payment_apply_oldest_first,
)

__all__ = [
    "allocation_create",
    "allocation_unapply",
    "credit_note_create",
    "dispute_open",
    "dispute_resolve",
    "invoice_create",
    "invoice_void",
    "payment_apply_oldest_first",
    "payment_create",
    "user_may_write_off",
    "write_off_create",
]
