"""The pipeline's settings, read once per run into one typed object."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

WEEKS_PER_MONTH = 52.1775 / 12


@dataclass(frozen=True)
class PipelineConfig:
    base_currency: str
    chunk_size: int
    window_days: int
    clv_horizon_months: int
    clv_monthly_discount_rate: Decimal
    clv_min_repeat_customers: int
    clv_fit_sample: int
    cost_of_goods_rate: Decimal
    cost_per_invoice: Decimal
    cost_per_dunning_notice: Decimal
    cost_per_activity: Decimal
    cost_per_dispute: Decimal
    annual_cost_of_capital: Decimal
    activity_model: str
    activity_date_field: str
    activity_kinds: tuple[str, ...]
    churn_p_alive_threshold: Decimal
    churn_gap_multiple: Decimal
    churn_min_invoices: int

    @classmethod
    def from_settings(cls) -> PipelineConfig:
        return cls(
            base_currency=settings.CRM_BASE_CURRENCY,
            chunk_size=max(1, int(settings.ANALYTICS_CHUNK_SIZE)),
            window_days=int(settings.ANALYTICS_WINDOW_DAYS),
            clv_horizon_months=int(settings.ANALYTICS_CLV_HORIZON_MONTHS),
            clv_monthly_discount_rate=Decimal(str(settings.ANALYTICS_CLV_MONTHLY_DISCOUNT_RATE)),
            clv_min_repeat_customers=int(settings.ANALYTICS_CLV_MIN_REPEAT_CUSTOMERS),
            clv_fit_sample=int(settings.ANALYTICS_CLV_FIT_SAMPLE),
            cost_of_goods_rate=Decimal(str(settings.ANALYTICS_COST_OF_GOODS_RATE)),
            cost_per_invoice=Decimal(str(settings.ANALYTICS_COST_PER_INVOICE)),
            cost_per_dunning_notice=Decimal(str(settings.ANALYTICS_COST_PER_DUNNING_NOTICE)),
            cost_per_activity=Decimal(str(settings.ANALYTICS_COST_PER_ACTIVITY)),
            cost_per_dispute=Decimal(str(settings.ANALYTICS_COST_PER_DISPUTE)),
            annual_cost_of_capital=Decimal(str(settings.ANALYTICS_ANNUAL_COST_OF_CAPITAL)),
            activity_model=settings.ANALYTICS_ACTIVITY_MODEL,
            activity_date_field=settings.ANALYTICS_ACTIVITY_DATE_FIELD,
            activity_kinds=tuple(settings.ANALYTICS_ACTIVITY_KINDS),
            churn_p_alive_threshold=Decimal(str(settings.ANALYTICS_CHURN_P_ALIVE_THRESHOLD)),
            churn_gap_multiple=Decimal(str(settings.ANALYTICS_CHURN_GAP_MULTIPLE)),
            churn_min_invoices=int(settings.ANALYTICS_CHURN_MIN_INVOICES),
        )

    def discount_factors(self) -> list[float]:
        """1/(1+d)^m for months m = 1..horizon (statistics run in floats)."""
        rate = float(self.clv_monthly_discount_rate)
        return [1.0 / (1.0 + rate) ** month for month in range(1, self.clv_horizon_months + 1)]
