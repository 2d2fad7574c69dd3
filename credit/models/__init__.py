"""Credit models, one module per concern; import them from here."""

from credit.models.limits import (
    CreditLimitRequest,
    CreditLimitRequestEvent,
    CreditProfileEvent,
    LimitRequestStatus,
)
from credit.models.profiles import CreditProfile

__all__ = [
    "CreditLimitRequest",
    "CreditLimitRequestEvent",
    "CreditProfile",
    "CreditProfileEvent",
    "LimitRequestStatus",
]
