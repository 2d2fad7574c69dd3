from credit.services.profiles import credit_profile_ensure

__all__ = ["credit_profile_ensure"]
