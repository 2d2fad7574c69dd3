"""The ledger: invoices, payments, allocations, credit notes, write-offs, disputes.

Each invoice carries its maintained amounts (paid, credited, written off, open)
so that aging and balances are read with an indexed query, never a scan of all
allocations. Services keep them current under row locks; the database checks
that they add up. The invoice's late-payment figure (amount × days its
payments were applied after the due date) is maintained the same way, so the
nightly analytics read it without joining the allocations.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Abs
from django.db.models.lookups import LessThan
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from crm.money import CurrencyField, MoneyField


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")
    WRITTEN_OFF = "written_off", _("Written off")


class Invoice(TimeStampedModel):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    external_id = models.CharField(
        _("external id"), max_length=64, unique=True, null=True, blank=True
    )
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    currency = CurrencyField(_("currency"))
    total = MoneyField(_("total"))
    cost_of_goods = MoneyField(_("cost of goods"), default=0)
    amount_paid = MoneyField(_("paid"), default=0, editable=False)
    amount_credited = MoneyField(_("credited"), default=0, editable=False)
    amount_written_off = MoneyField(_("written off"), default=0, editable=False)
    open_amount = MoneyField(_("open amount"), editable=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InvoiceStatus.choices,
        default=InvoiceStatus.OPEN,
        editable=False,
    )
    is_disputed = models.BooleanField(_("disputed"), default=False, editable=False)
    paid_date = models.DateField(
        _("settled on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Date the invoice became fully paid."),
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    # Amount × whole days, so more digits than an amount; exact (two decimals × days).
    late_paid_amount_days = models.DecimalField(
        _("paid late, amount × days"),
        max_digits=24,
        decimal_places=2,
        default=0,
        # Also the column's default in the database: processes of the release before
        # migration 0015 insert invoices without this column while a deploy rolls out.
        db_default=0,
        editable=False,
        help_text=_(
            "Sum over the active allocations of amount × days applied after the due date; "
            "the financing cost of late payment is built from it."
        ),
    )

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="invoice_total_positive"),
            models.CheckConstraint(
                condition=Q(cost_of_goods__gte=0), name="invoice_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("issue_date")), name="invoice_due_after_issue"
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0)
                & Q(amount_credited__gte=0)
                & Q(amount_written_off__gte=0),
                name="invoice_settlements_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(open_amount__gte=0), name="invoice_open_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(late_paid_amount_days__gte=0), name="invoice_late_paid_not_negative"
            ),
            # Amounts have two decimals, so "differs by less than half a cent" is
            # exact equality on PostgreSQL and tolerant of SQLite's float arithmetic.
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.VOID, open_amount=0)
                | LessThan(
                    Abs(
                        F("total")
                        - F("amount_paid")
                        - F("amount_credited")
                        - F("amount_written_off")
                        - F("open_amount")
                    ),
                    Decimal("0.005"),
                ),
                name="invoice_open_amount_adds_up",
            ),
            models.CheckConstraint(condition=~Q(number=""), name="invoice_number_not_blank"),
        ]
        indexes = [
            # Aging and balances read only open items, by customer and due date.
            models.Index(
                fields=["customer", "due_date"],
                condition=Q(open_amount__gt=0),
                name="invoice_open_customer_due",
            ),
            models.Index(
                fields=["due_date"], condition=Q(open_amount__gt=0), name="invoice_open_due"
            ),
            # The nightly pipeline reads invoicing history per customer.
            models.Index(fields=["customer", "issue_date"], name="invoice_customer_issue"),
            models.Index(fields=["issue_date"], name="invoice_issue_date"),
            models.Index(fields=["status"], name="invoice_status"),
        ]

    def __str__(self) -> str:
        return self.number


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
    CARD = "card", _("Card")
    CHECK = "check", _("Check")
    CASH = "cash", _("Cash")


class PaymentStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    BOUNCED = "bounced", _("Bounced")


class Payment(TimeStampedModel):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    external_id = models.CharField(
        _("external id"), max_length=64, unique=True, null=True, blank=True
    )
    received_date = models.DateField(_("received on"))
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))
    method = models.CharField(
        _("method"),
        max_length=16,
        choices=PaymentMethod.choices,
        default=PaymentMethod.BANK_TRANSFER,
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    amount_allocated = MoneyField(_("allocated"), default=0, editable=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PaymentStatus.choices,
        default=PaymentStatus.RECEIVED,
        editable=False,
    )

    class Meta:
        ordering = ["-received_date", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_allocated__gte=0) & Q(amount_allocated__lte=F("amount")),
                name="payment_allocated_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "received_date"], name="payment_customer_received"),
            models.Index(fields=["received_date"], name="payment_received_date"),
            models.Index(fields=["reference"], name="payment_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference or self.external_id or self.pk} {self.amount} {self.currency}"

    @property
    def unapplied_amount(self):
        return self.amount - self.amount_allocated


class Allocation(TimeStampedModel):
    """Part of a payment applied to an invoice. Unapplying keeps the row for the audit trail."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="allocations"
    )
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="allocations"
    )
    external_id = models.CharField(
        _("external id"), max_length=64, unique=True, null=True, blank=True
    )
    amount = MoneyField(_("amount"))
    allocated_on = models.DateField(_("applied on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unapplied_at = models.DateTimeField(_("unapplied at"), null=True, blank=True, editable=False)
    unapplied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-allocated_on", "-id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]
        indexes = [
            models.Index(
                fields=["invoice"],
                condition=Q(unapplied_at__isnull=True),
                name="allocation_active_invoice",
            ),
            models.Index(
                fields=["payment"],
                condition=Q(unapplied_at__isnull=True),
                name="allocation_active_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} of payment {self.payment_id} to invoice {self.invoice_id}"

    @property
    def is_active(self) -> bool:
        return self.unapplied_at is None


class CreditNote(TimeStampedModel):
    """A reduction of what the customer owes: applied to one invoice, or left as customer credit."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    external_id = models.CharField(
        _("external id"), max_length=64, unique=True, null=True, blank=True
    )
    issue_date = models.DateField(_("issue date"))
    currency = CurrencyField(_("currency"))
    amount = MoneyField(_("amount"))
    reason = models.CharField(_("reason"), max_length=255)

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_note_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="credit_note_reason_required"),
        ]
        indexes = [
            models.Index(fields=["customer", "issue_date"], name="credit_note_customer_issue")
        ]

    def __str__(self) -> str:
        return self.number


class WriteOff(TimeStampedModel):
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="write_offs"
    )
    amount = MoneyField(_("amount"))
    written_off_on = models.DateField(_("written off on"))
    reason = models.CharField(_("reason"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-written_off_on", "-id"]
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="write_off_reason_required"),
        ]
        indexes = [models.Index(fields=["written_off_on"], name="write_off_date")]

    def __str__(self) -> str:
        return f"{self.amount} on {self.invoice_id}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Dispute(TimeStampedModel):
    """A customer contests an invoice. The invoice stays in the balance; dunning pauses."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="disputes"
    )
    # The invoice's customer, kept on the dispute (an invoice never changes customer):
    # the nightly analytics count each customer's disputes by it rather than looking up
    # the invoice of every dispute of the year (0.1 s of each stage part at 100,000
    # customers).
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        editable=False,
    )
    reason = models.CharField(_("reason"), max_length=255)
    status = models.CharField(
        _("status"), max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    opened_on = models.DateField(_("opened on"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=255, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [models.Index(fields=["customer", "opened_on"], name="dispute_customer_opened")]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="dispute_reason_required"),
            models.CheckConstraint(
                condition=Q(status=DisputeStatus.OPEN, resolved_on__isnull=True)
                | Q(status=DisputeStatus.RESOLVED, resolved_on__isnull=False),
                name="dispute_resolved_has_date",
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status=DisputeStatus.OPEN),
                name="dispute_one_open_per_invoice",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute on {self.invoice_id}: {self.reason}"
