from credit.services.checks import credit_check_reasons, credit_check_run
from credit.services.holds import (
    credit_hold_apply_dunning,
    credit_hold_apply_grade_e,
    credit_hold_apply_over_limit,
    credit_hold_place,
    credit_hold_place_automatic,
    credit_hold_release,
)
from credit.services.limit_request_decide import credit_limit_request_decide
from credit.services.limit_requests import credit_limit_request_cancel, credit_limit_request_create
from credit.services.limits import credit_limit_set, credit_limits_expire
from credit.services.orders import open_order_close, open_order_replace_all, open_order_report
from credit.services.profiles import credit_profile_ensure
from credit.services.reviews import (
    credit_review_complete,
    credit_review_schedule_ensure,
    credit_review_schedules_ensure,
    credit_review_schedules_regrade,
)

__all__ = [
    "credit_check_reasons",
    "credit_check_run",
    "credit_hold_apply_dunning",
    "credit_hold_apply_grade_e",
    "credit_hold_apply_over_limit",
    "credit_hold_place",
    "credit_hold_place_automatic",
    "credit_hold_release",
    "credit_limit_request_cancel",
    "credit_limit_request_create",
    "credit_limit_request_decide",
    "credit_limit_set",
    "credit_limits_expire",
    "credit_profile_ensure",
    "credit_review_complete",
    "credit_review_schedule_ensure",
    "credit_review_schedules_ensure",
    "credit_review_schedules_regrade",
    "open_order_close",
    "open_order_replace_all",
    "open_order_report",
]
