"""Dated FX rates to the base currency (settings.CRM_BASE_CURRENCY)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from crm.money import CurrencyField


class FxRate(TimeStampedModel):
    """One unit of ``currency`` is worth ``rate`` units of the base currency from ``date`` on.

    The pipeline converts with the latest rate on or before its as-of date; a
    currency without such a rate is reported as a problem, never taken as 1.0.
    """

    date = models.DateField(_("date"))
    currency = CurrencyField(_("currency"))
    rate = models.DecimalField(
        _("rate to base currency"),
        max_digits=20,
        decimal_places=10,
        help_text=_("Units of the base currency for one unit of this currency."),
    )

    class Meta:
        ordering = ["currency", "-date"]
        verbose_name = _("FX rate")
        verbose_name_plural = _("FX rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="fx_rate_one_per_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="fx_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date} {self.rate}"
