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
from receivables.services.promises import (
    promise_to_pay_cancel,
    promise_to_pay_create,
    promise_to_pay_evaluate,
)
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
    "promise_to_pay_cancel",
    "promise_to_pay_create",
    "promise_to_pay_evaluate",
    "user_may_write_off",
    "write_off_create",
]
