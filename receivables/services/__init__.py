from receivables.services.allocations import allocation_create
from receivables.services.invoices import invoice_create
from receivables.services.payments import payment_create

__all__ = ["allocation_create", "invoice_create", "payment_create"]
