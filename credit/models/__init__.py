"""Credit models, one module per concern; import them from here."""

from credit.models.profiles import CreditProfile

__all__ = ["CreditProfile"]
