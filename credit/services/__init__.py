from credit.services.limit_requests import (
    credit_limit_request_cancel,
    credit_limit_request_create,
    credit_limit_request_decide,
)
from credit.services.limits import credit_limit_set, credit_limits_expire
from credit.services.profiles import credit_profile_ensure

__all__ = [
    "credit_limit_request_cancel",
    "credit_limit_request_create",
    "credit_limit_request_decide",
    "credit_limit_set",
    "credit_limits_expire",
    "credit_profile_ensure",
]
