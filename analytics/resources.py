"""FX rates in and out as CSV/XLSX (django-import-export): date, currency, rate."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from analytics.models import FxRate
from crm.money import is_known_currency


class RateWidget(widgets.Widget):
    """A rate as an exact Decimal: parsed from the text, never through a float."""

    def clean(self, value, row=None, **kwargs):
        text = str(value).strip() if value is not None else ""
        try:
            rate = Decimal(text)
        except InvalidOperation as error:
            raise ValueError(f"Rate {text!r} is not a number; write it like 1.0842.") from error
        if not rate.is_finite() or rate <= 0:
            raise ValueError(f"Rate {text!r} must be a positive number.")
        return rate

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class FxRateResource(resources.ModelResource):
    date = fields.Field(attribute="date", column_name="date", widget=widgets.DateWidget("%Y-%m-%d"))
    currency = fields.Field(attribute="currency", column_name="currency")
    rate = fields.Field(attribute="rate", column_name="rate", widget=RateWidget())

    class Meta:
        model = FxRate
        fields = ("date", "currency", "rate")
        import_id_fields = ("currency", "date")
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        # A file of rates is imported all or nothing, like every import of the product.
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def before_import_row(self, row, **kwargs):
        currency = str(row.get("currency") or "").strip().upper()
        if not is_known_currency(currency):
            raise ValidationError(
                {"currency": f"Unknown currency {currency!r}; use an ISO 4217 code such as EUR."}
            )
        row["currency"] = currency
