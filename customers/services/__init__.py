from customers.services.contacts import (
    contact_create,
    contact_delete,
    contact_email_invalidate,
    contact_update,
)
from customers.services.customers import (
    customer_create,
    customer_risk_set_many,
    customer_tier_set,
    customer_update,
)

__all__ = [
    "contact_create",
    "contact_delete",
    "contact_email_invalidate",
    "contact_update",
    "customer_create",
    "customer_risk_set_many",
    "customer_tier_set",
    "customer_update",
]
