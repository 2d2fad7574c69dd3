"""Domain events announced by the credit app (analytics subscribes)."""

from django.dispatch import Signal

# A hold was placed or released. kwargs: customer_id, is_on_hold, reason
credit_hold_changed = Signal()
# A credit limit changed on final approval, expiry or import. kwargs: customer_id, old_limit, new_limit
credit_limit_changed = Signal()
# Scoring changed some customers' grades.
# kwargs: changes (list of (customer_id, old_grade, new_grade)), version
credit_grades_changed = Signal()
# An integrator's report raised a customer's open orders (a new or reopened order, a
# higher amount; closing or lowering never announces). kwargs: order_id, customer_id,
# reported_at (the order's updated_at: one report of one order)
open_order_raised = Signal()
