"""Credit models, one module per concern; import them from here."""

from credit.models.profiles import CreditProfile
from credit.models.scores import CreditBacktest, CreditScore, CreditScoreLatest

__all__ = ["CreditBacktest", "CreditProfile", "CreditScore", "CreditScoreLatest"]
