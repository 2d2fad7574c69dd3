"""Import and export of customers (django-import-export).

Built on the shared import plumbing in ``crm.imports``: a row is written by the
same service the API and the admin use, a file is imported all or nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from import_export import fields, widgets

from crm.imports import ChoiceWidget, IsoDateWidget, LookupWidget, ServiceResource, TextWidget
from customers.models import (
    Customer,
    CustomerStatus,
    Industry,
    Language,
    Region,
    SalesChannel,
)
from customers.services import customer_create, customer_update

_CUSTOMER_COLUMNS = (
    "code", "name", "external_id", "tax_id", "industry", "region", "country",
    "sales_channel", "currency", "payment_terms_days", "language", "status",
    "customer_since", "sales_rep", "tier",
)  # fmt: skip

_CUSTOMER_UPDATABLE = (
    "name", "external_id", "tax_id", "industry", "region", "country", "sales_channel",
    "currency", "payment_terms_days", "language", "status", "customer_since", "sales_rep",
)  # fmt: skip


class CustomerResource(ServiceResource):
    """Customers by code: a new code creates the customer (``customer_create``), a
    known code updates the columns present in the file (``customer_update``).
    The tier is exported but never imported (analytics sets it)."""

    required_fields = ("code", "name", "industry", "region", "sales_channel", "currency")

    code = fields.Field("code", "code", widget=TextWidget())
    name = fields.Field("name", "name", widget=TextWidget())
    external_id = fields.Field("external_id", "external_id", widget=TextWidget(blank_is_none=True))
    tax_id = fields.Field("tax_id", "tax_id", widget=TextWidget())
    industry = fields.Field("industry", "industry", widget=ChoiceWidget(Industry.choices))
    region = fields.Field("region", "region", widget=ChoiceWidget(Region.choices))
    country = fields.Field("country", "country", widget=TextWidget())
    sales_channel = fields.Field(
        "sales_channel", "sales_channel", widget=ChoiceWidget(SalesChannel.choices)
    )
    currency = fields.Field("currency", "currency", widget=TextWidget())
    payment_terms_days = fields.Field(
        "payment_terms_days", "payment_terms_days", widget=widgets.IntegerWidget()
    )
    language = fields.Field("language", "language", widget=ChoiceWidget(Language.choices))
    status = fields.Field("status", "status", widget=ChoiceWidget(CustomerStatus.choices))
    customer_since = fields.Field("customer_since", "customer_since", widget=IsoDateWidget())
    sales_rep = fields.Field(
        "sales_rep",
        "sales_rep",
        widget=LookupWidget(
            get_user_model(),
            "username",
            label="user",
            hint="give the username of a user in the sales_rep role, or leave it blank.",
        ),
    )
    tier = fields.Field("tier", "tier", readonly=True)

    class Meta:
        model = Customer
        fields = _CUSTOMER_COLUMNS
        import_order = _CUSTOMER_COLUMNS
        export_order = _CUSTOMER_COLUMNS
        import_id_fields = ("code",)

    def get_queryset(self) -> QuerySet[Customer]:
        return Customer.objects.select_related("sales_rep")

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self._row_of_code: dict[str, int] = {}
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        """A code twice in one file is an error of the later row: otherwise that row
        silently updates the customer the earlier one just wrote (name, currency…)."""
        code = str(row.get("code") or "").strip()
        number = kwargs.get("row_number")
        first = self._row_of_code.setdefault(code, number) if code else number
        if first != number:
            raise ValidationError(
                {
                    "code": [
                        f"Customer code {code!r} is also on row {first} of this file; "
                        "give each customer one row per file."
                    ]
                }
            )
        super().before_import_row(row, **kwargs)

    def save_through_service(
        self, instance: Model, *, is_create: bool, row: Any, user: Any
    ) -> Customer:
        if not is_create:
            # The service re-reads the row under a lock and saves only what changed.
            return customer_update(
                customer=instance, data=self.present(instance, row, _CUSTOMER_UPDATABLE)
            )
        optional = {
            name: value
            for name, value in self.present(instance, row, _CUSTOMER_UPDATABLE).items()
            if value not in (None, "")
        }
        required = {name: getattr(instance, name) for name in self.required_fields}
        return customer_create(**{**optional, **required})
