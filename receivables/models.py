"""The ledger: invoices, payments, allocations, credit notes, write-offs, disputes.

Each invoice carries its maintained amounts (paid, credited, written off, open)
so that aging and balances are read with an indexed query, never a scan of all
allocations. Services keep them current under row locks; the database checks
that they add up.
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
from customers.models import Tier


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


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class PromiseToPay(TimeStampedModel):
    """A customer's promise to pay an amount by a date, usually for named invoices.

    While open, dunning skips the invoices it covers. A daily task marks it
    kept once payments received since it was made reach the amount, or broken
    when the date (plus grace) passes first.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="promises",
    )
    invoices = models.ManyToManyField(
        Invoice, verbose_name=_("invoices"), related_name="promises", blank=True
    )
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))
    promised_date = models.DateField(_("promised for"))
    made_on = models.DateField(_("made on"))
    status = models.CharField(
        _("status"), max_length=16, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    amount_received = MoneyField(_("received so far"), default=0)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-made_on", "-id"]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(
                condition=Q(promised_date__gte=F("made_on")), name="promise_not_in_the_past"
            ),
            models.CheckConstraint(
                condition=Q(status=PromiseStatus.OPEN, closed_on__isnull=True)
                | (~Q(status=PromiseStatus.OPEN) & Q(closed_on__isnull=False)),
                name="promise_closed_has_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["promised_date"], condition=Q(status="open"), name="promise_open_due"
            ),
            models.Index(fields=["customer", "status"], name="promise_customer_status"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} by {self.promised_date}"


MAX_AGING_BUCKETS = 8


class CustomerBalance(models.Model):
    """What a customer owes in one currency, in aging buckets as of ``as_of``.

    Kept current by the ledger services in the same transaction as the
    invoice they change, and rebuilt from the invoices each night (buckets
    shift as days pass) by ``customer_balances_refresh``. Pages read these
    rows instead of aggregating every open invoice. ``bucket_0`` is
    "Current"; the next ones follow CRM_AGING_BUCKET_EDGES, recorded in
    ``edges`` so a change of the setting is noticed.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="balances",
    )
    currency = CurrencyField(_("currency"))
    as_of = models.DateField(_("buckets as of"))
    edges = models.CharField(_("bucket edges"), max_length=40)
    open_total = MoneyField(_("open"), default=0)
    overdue_total = MoneyField(_("overdue"), default=0)
    bucket_0 = MoneyField(default=0)
    bucket_1 = MoneyField(default=0)
    bucket_2 = MoneyField(default=0)
    bucket_3 = MoneyField(default=0)
    bucket_4 = MoneyField(default=0)
    bucket_5 = MoneyField(default=0)
    bucket_6 = MoneyField(default=0)
    bucket_7 = MoneyField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer balance")
        verbose_name_plural = _("customer balances")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "currency"], name="customer_balance_one_per_currency"
            ),
        ]
        indexes = [
            models.Index(
                fields=["-overdue_total", "-open_total", "customer"],
                condition=~Q(open_total=0),
                name="balance_open_by_overdue",
            ),
            models.Index(fields=["as_of", "edges"], name="balance_freshness"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.open_total} {self.currency}"


class BalanceSnapshot(models.Model):
    """One row: the day and bucket edges of the last complete rebuild of the
    customer balances. Today's aging trusts the balances only when it is today's."""

    as_of = models.DateField(_("buckets as of"))
    edges = models.CharField(_("bucket edges"), max_length=40)
    refreshed_at = models.DateTimeField(_("rebuilt at"), auto_now=True)

    class Meta:
        verbose_name = _("balance snapshot")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="balance_snapshot_single_row")
        ]

    def __str__(self) -> str:
        return f"balances as of {self.as_of} ({self.edges})"


# --- Dunning ------------------------------------------------------------------


class DunningChannel(models.TextChoices):
    EMAIL = "email", _("Email")


class DunningPolicy(TimeStampedModel):
    """An ordered list of dunning levels; one per tier is that tier's default."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    is_default_for_tier = models.CharField(
        _("default for tier"),
        max_length=16,
        choices=Tier.choices,
        blank=True,
        help_text=_("Customers of this tier without a pinned policy follow this one."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("dunning policy")
        verbose_name_plural = _("dunning policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default_for_tier"],
                condition=~Q(is_default_for_tier=""),
                name="dunning_policy_one_default_per_tier",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="dunning_policy_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class DunningLevel(models.Model):
    """One step of a policy: when (days relative to the due date), what to say, what to escalate."""

    policy = models.ForeignKey(
        DunningPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="levels"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    offset_days = models.IntegerField(
        _("days after due"), help_text=_("Negative for a friendly reminder before the due date.")
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=DunningChannel.choices, default=DunningChannel.EMAIL
    )
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_en = models.TextField(_("body (English)"))
    subject_zh = models.CharField(_("subject (Simplified Chinese)"), max_length=200, blank=True)
    body_zh = models.TextField(_("body (Simplified Chinese)"), blank=True)
    create_collector_task = models.BooleanField(_("create a collector task"), default=False)
    place_credit_hold = models.BooleanField(_("place a credit hold"), default=False)
    flag_for_agency = models.BooleanField(_("flag for legal / agency"), default=False)

    class Meta:
        ordering = ["policy", "position"]
        verbose_name = _("dunning level")
        verbose_name_plural = _("dunning levels")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "position"], name="dunning_level_unique_position"
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="dunning_level_position_1"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} #{self.position} ({self.offset_days:+d} d)"


class CustomerDunningPolicy(models.Model):
    """Pins a customer to a policy other than their tier's default."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="dunning_policy_pin",
    )
    policy = models.ForeignKey(
        DunningPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="pins"
    )

    class Meta:
        verbose_name = _("customer dunning policy")
        verbose_name_plural = _("customer dunning policies")

    def __str__(self) -> str:
        return f"{self.customer_id} -> {self.policy_id}"


class DunningNoticeStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    NO_ADDRESS = "no_address", _("No billing address")


class DunningNotice(TimeStampedModel):
    """The outbox: one notice per customer per level per run, listing its invoices.

    Written in the transaction that decides it; a task sends queued rows and
    marks them sent, so retries and duplicate deliveries never send twice.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="dunning_notices",
    )
    level = models.ForeignKey(
        DunningLevel, verbose_name=_("level"), on_delete=models.PROTECT, related_name="notices"
    )
    run_date = models.DateField(_("run date"))
    invoices = models.ManyToManyField(
        Invoice,
        through="DunningNoticeInvoice",
        verbose_name=_("invoices"),
        related_name="dunning_notices",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DunningNoticeStatus.choices,
        default=DunningNoticeStatus.QUEUED,
    )
    to_email = models.EmailField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)

    class Meta:
        ordering = ["-run_date", "-id"]
        verbose_name = _("dunning notice")
        verbose_name_plural = _("dunning notices")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "level", "run_date"], name="dunning_notice_one_per_run"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="dunning_notice_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "run_date"], name="dunning_notice_status_run"),
            models.Index(fields=["customer", "run_date"], name="dunning_notice_customer_run"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} level {self.level_id} on {self.run_date} ({self.status})"


class DunningNoticeInvoice(models.Model):
    notice = models.ForeignKey(
        DunningNotice, on_delete=models.CASCADE, related_name="notice_invoices"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="notice_lines")
    open_amount_at_notice = MoneyField(_("open at notice"))

    class Meta:
        verbose_name = _("invoice of a dunning notice")
        verbose_name_plural = _("invoices of dunning notices")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "invoice"], name="dunning_notice_invoice_once"
            ),
        ]
        indexes = [models.Index(fields=["invoice", "notice"], name="dunning_line_invoice")]

    def __str__(self) -> str:
        return f"{self.invoice_id} in notice {self.notice_id}"
