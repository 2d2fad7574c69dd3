"""Import and export of invoices and payments (django-import-export).

Importing an invoice is posting it: each row goes through ``invoice_create``
(payments through ``payment_create``), so a file is checked by exactly the
rules of the API and the admin. Both are create-only: a row whose invoice
number or payment external id is already in the ledger (or earlier in the same
file) is a duplicate error, never a silent update, and any bad row rolls back
the whole file. The maintained amounts are exported, never imported.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from import_export import fields

from crm.imports import (
    ChoiceWidget,
    IsoDateWidget,
    LookupWidget,
    MoneyWidget,
    ServiceResource,
    TextWidget,
)
from customers.models import Customer
from customers.selectors import customer_list
from receivables.models import Invoice, InvoiceStatus, Payment, PaymentMethod, PaymentStatus
from receivables.services import invoice_create, payment_create


def _customer_code_widget() -> LookupWidget:
    """A customer by its code, among the customers the importing user may see."""
    return LookupWidget(
        Customer,
        "code",
        label="customer with code",
        hint="check the code or import the customer first.",
        scope=customer_list,
    )


def _optional(values: dict[str, Any]) -> dict[str, Any]:
    """Leave blank optional columns out, so the service applies its default."""
    return {name: value for name, value in values.items() if value not in (None, "")}


_INVOICE_COLUMNS = (
    "number", "customer", "external_id", "issue_date", "due_date", "currency", "total",
    "cost_of_goods", "description", "amount_paid", "amount_credited", "amount_written_off",
    "open_amount", "status", "is_disputed", "paid_date",
)  # fmt: skip


class InvoiceResource(ServiceResource):
    """Columns: number, customer (its code), issue_date, total are required;
    due_date defaults to the customer's terms, currency to the customer's."""

    required_fields = ("number", "customer", "issue_date", "total")

    number = fields.Field("number", "number", widget=TextWidget())
    customer = fields.Field("customer", "customer", widget=_customer_code_widget())
    external_id = fields.Field("external_id", "external_id", widget=TextWidget(blank_is_none=True))
    issue_date = fields.Field("issue_date", "issue_date", widget=IsoDateWidget())
    due_date = fields.Field("due_date", "due_date", widget=IsoDateWidget())
    currency = fields.Field("currency", "currency", widget=TextWidget())
    total = fields.Field("total", "total", widget=MoneyWidget())
    cost_of_goods = fields.Field("cost_of_goods", "cost_of_goods", widget=MoneyWidget())
    description = fields.Field("description", "description", widget=TextWidget())
    amount_paid = fields.Field("amount_paid", "amount_paid", MoneyWidget(), readonly=True)
    amount_credited = fields.Field(
        "amount_credited", "amount_credited", MoneyWidget(), readonly=True
    )
    amount_written_off = fields.Field(
        "amount_written_off", "amount_written_off", MoneyWidget(), readonly=True
    )
    open_amount = fields.Field("open_amount", "open_amount", MoneyWidget(), readonly=True)
    status = fields.Field("status", "status", ChoiceWidget(InvoiceStatus.choices), readonly=True)
    is_disputed = fields.Field("is_disputed", "is_disputed", readonly=True)
    paid_date = fields.Field("paid_date", "paid_date", IsoDateWidget(), readonly=True)

    class Meta:
        model = Invoice
        fields = _INVOICE_COLUMNS
        import_order = _INVOICE_COLUMNS
        export_order = _INVOICE_COLUMNS
        import_id_fields = ("number",)
        force_init_instance = True  # create-only: the service reports a known number

    def get_queryset(self) -> QuerySet[Invoice]:
        return Invoice.objects.select_related("customer")

    def save_through_service(
        self, instance: Model, *, is_create: bool, row: Any, user: Any
    ) -> Invoice:
        return invoice_create(
            customer=instance.customer,
            number=instance.number,
            issue_date=instance.issue_date,
            total=instance.total,
            **_optional(
                {
                    "due_date": instance.due_date,
                    "currency": instance.currency,
                    "cost_of_goods": instance.cost_of_goods,
                    "external_id": instance.external_id,
                    "description": instance.description,
                }
            ),
        )


_PAYMENT_COLUMNS = (
    "external_id", "customer", "received_date", "amount", "currency", "method", "reference",
    "amount_allocated", "unapplied_amount", "status",
)  # fmt: skip


class PaymentResource(ServiceResource):
    """Columns: external_id, customer (its code), received_date, amount are required.

    The external id is what makes a payment file safe to import twice: the second
    time every row is reported as a duplicate. Imported payments stay
    unapplied; apply them in the admin or through the API.
    """

    required_fields = ("external_id", "customer", "received_date", "amount")

    external_id = fields.Field("external_id", "external_id", widget=TextWidget(blank_is_none=True))
    customer = fields.Field("customer", "customer", widget=_customer_code_widget())
    received_date = fields.Field("received_date", "received_date", widget=IsoDateWidget())
    amount = fields.Field("amount", "amount", widget=MoneyWidget())
    currency = fields.Field("currency", "currency", widget=TextWidget())
    method = fields.Field("method", "method", widget=ChoiceWidget(PaymentMethod.choices))
    reference = fields.Field("reference", "reference", widget=TextWidget())
    amount_allocated = fields.Field(
        "amount_allocated", "amount_allocated", MoneyWidget(), readonly=True
    )
    unapplied_amount = fields.Field(
        column_name="unapplied_amount", widget=MoneyWidget(), readonly=True
    )
    status = fields.Field("status", "status", ChoiceWidget(PaymentStatus.choices), readonly=True)

    class Meta:
        model = Payment
        fields = _PAYMENT_COLUMNS
        import_order = _PAYMENT_COLUMNS
        export_order = _PAYMENT_COLUMNS
        import_id_fields = ("external_id",)
        force_init_instance = True  # create-only: the service reports a known external id

    def get_queryset(self) -> QuerySet[Payment]:
        return Payment.objects.select_related("customer")

    def dehydrate_unapplied_amount(self, payment: Payment) -> Decimal:
        return payment.unapplied_amount

    def save_through_service(
        self, instance: Model, *, is_create: bool, row: Any, user: Any
    ) -> Payment:
        return payment_create(
            customer=instance.customer,
            received_date=instance.received_date,
            amount=instance.amount,
            external_id=instance.external_id,
            **_optional(
                {
                    "currency": instance.currency,
                    "method": instance.method,
                    "reference": instance.reference,
                }
            ),
        )
