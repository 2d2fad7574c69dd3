"""Credit models, one module per concern; import them from here."""

from credit.models.checks import CreditCheck, CreditCheckResult
from credit.models.holds import CreditHoldEvent, HoldAction, HoldSource
from credit.models.orders import OpenOrder, OpenOrderStatus
from credit.models.profiles import CreditProfile
from credit.models.reviews import CreditReview, CreditReviewSchedule, ReviewDecision

__all__ = [
    "CreditCheck",
    "CreditCheckResult",
    "CreditHoldEvent",
    "CreditProfile",
    "CreditReview",
    "CreditReviewSchedule",
    "HoldAction",
    "HoldSource",
    "OpenOrder",
    "OpenOrderStatus",
    "ReviewDecision",
]
