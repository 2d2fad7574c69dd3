"""Domain events announced by the receivables app (credit and analytics subscribe)."""

from django.dispatch import Signal

# kwargs: invoice_id, customer_id
invoice_posted = Signal()
# kwargs: payment_id, customer_id
payment_received = Signal()
# kwargs: allocation_id, invoice_id, payment_id, customer_id
allocation_created = Signal()
