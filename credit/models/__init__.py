"""Credit models, one module per concern; import them from here."""

from credit.models.checks import CreditCheck, CreditCheckResult
from credit.models.holds import CreditHoldEvent, HoldAction, HoldSource
from credit.models.limits import (
    CreditLimitRequest,
    CreditLimitRequestEvent,
    CreditProfileEvent,
    LimitRequestStatus,
)
from credit.models.orders import OpenOrder, OpenOrderStatus
from credit.models.profiles import CreditProfile
from credit.models.reviews import CreditReview, CreditReviewSchedule, ReviewDecision
from credit.models.scores import CreditBacktest, CreditScore, CreditScoreLatest

__all__ = [
    "CreditBacktest",
    "CreditCheck",
    "CreditCheckResult",
    "CreditHoldEvent",
    "CreditLimitRequest",
    "CreditLimitRequestEvent",
    "CreditProfile",
    "CreditProfileEvent",
    "CreditReview",
    "CreditReviewSchedule",
    "CreditScore",
    "CreditScoreLatest",
    "HoldAction",
    "HoldSource",
    "LimitRequestStatus",
    "OpenOrder",
    "OpenOrderStatus",
    "ReviewDecision",
]
