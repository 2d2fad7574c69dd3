"""Domain events announced by the receivables app (credit and analytics subscribe)."""

from django.dispatch import Signal

# kwargs: invoice_id, customer_id
invoice_posted = Signal()
# kwargs: payment_id, customer_id
payment_received = Signal()
# kwargs: allocation_id, invoice_id, payment_id, customer_id
allocation_created = Signal()
# kwargs: allocation_id, invoice_id, payment_id, customer_id
allocation_unapplied = Signal()
# kwargs: invoice_id, customer_id
invoice_voided = Signal()
# kwargs: credit_note_id, customer_id, invoice_id (or None)
credit_note_issued = Signal()
# kwargs: write_off_id, invoice_id, customer_id
invoice_written_off = Signal()
# kwargs: dispute_id, invoice_id, customer_id
dispute_opened = Signal()
dispute_resolved = Signal()
# kwargs: promise_id, customer_id
promise_made = Signal()
promise_kept = Signal()
promise_broken = Signal()
# Dunning escalations, announced when the notice of a level that carries them
# is sent. kwargs: notice_id, customer_id, level_id, reason (plain language)
dunning_hold_requested = Signal()
dunning_agency_flagged = Signal()
