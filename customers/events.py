"""Domain events announced by the customers app (apps to the right subscribe)."""

from django.dispatch import Signal

# kwargs: customer_id
customer_created = Signal()
# kwargs: customer_id, changed_fields (list of field names)
customer_updated = Signal()
# A contact was added, changed or had its email marked invalid (a bounce).
# kwargs: contact_id, customer_id, changed_fields (list of field names)
contact_changed = Signal()
