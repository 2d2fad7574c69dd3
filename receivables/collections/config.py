"""The worklist's settings, parsed and checked once per use."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _decimal(name: str, raw: object, *, low: Decimal, high: Decimal | None = None) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as error:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a number; use a decimal such as 1.25."
        ) from error
    if not value.is_finite() or value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ImproperlyConfigured(f"{name}={raw!r} must be {bounds}.")
    return value


@dataclass(frozen=True)
class WorklistConfig:
    default_pd: Decimal
    bucket_boosts: tuple[Decimal, ...]  # index 0 = first overdue bucket
    broken_promise_boost: Decimal
    broken_promise_days: int
    escalation_days: int
    page_size: int
    collected_after_contact_days: int

    def bucket_boost(self, index: int) -> Decimal:
        """Boost for the overdue bucket ``index`` (1 = the first overdue bucket)."""
        if index < 1:
            return Decimal(1)
        return self.bucket_boosts[min(index, len(self.bucket_boosts)) - 1]


def worklist_config() -> WorklistConfig:
    raw_boosts = getattr(settings, "CRM_WORKLIST_BUCKET_BOOSTS", "1")
    if isinstance(raw_boosts, str):
        raw_boosts = [part for part in raw_boosts.split(",") if part.strip()]
    boosts = tuple(
        _decimal("CRM_WORKLIST_BUCKET_BOOSTS", part, low=Decimal(1)) for part in raw_boosts
    )
    if not boosts:
        raise ImproperlyConfigured(
            "CRM_WORKLIST_BUCKET_BOOSTS is empty; give one factor per overdue bucket, e.g. 1,1.5,2."
        )
    return WorklistConfig(
        default_pd=_decimal(
            "CRM_WORKLIST_DEFAULT_PD",
            getattr(settings, "CRM_WORKLIST_DEFAULT_PD", "0.05"),
            low=Decimal(0),
            high=Decimal(1),
        ),
        bucket_boosts=boosts,
        broken_promise_boost=_decimal(
            "CRM_WORKLIST_BROKEN_PROMISE_BOOST",
            getattr(settings, "CRM_WORKLIST_BROKEN_PROMISE_BOOST", "1.25"),
            low=Decimal(1),
        ),
        broken_promise_days=int(getattr(settings, "CRM_WORKLIST_BROKEN_PROMISE_DAYS", 90)),
        escalation_days=int(getattr(settings, "CRM_WORKLIST_ESCALATION_DAYS", 60)),
        page_size=int(getattr(settings, "CRM_WORKLIST_PAGE_SIZE", 50)),
        collected_after_contact_days=int(
            getattr(settings, "CRM_WORKLIST_COLLECTED_AFTER_CONTACT_DAYS", 14)
        ),
    )
