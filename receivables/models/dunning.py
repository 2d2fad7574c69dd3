"""Dunning: policies and their levels, and the reminder outbox."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from crm.money import MoneyField
from customers.models import Tier
from receivables.models.ledger import Invoice


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
    # A level removed from its policy after it produced notices is retired, not
    # deleted: its notices keep pointing at the text and offset they were sent with.
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["policy", "position"]
        verbose_name = _("dunning level")
        verbose_name_plural = _("dunning levels")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "position"],
                condition=Q(retired_at__isnull=True),
                name="dunning_level_unique_active_position",
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="dunning_level_position_1"),
        ]

    def __str__(self) -> str:
        retired = " retired" if self.retired_at else ""
        return f"{self.policy_id} #{self.position} ({self.offset_days:+d} d){retired}"


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
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    NO_ADDRESS = "no_address", _("No billing address")
    # Nothing in it was still due when it came to be sent (paid, disputed,
    # promised, voided or written off since the run decided it): not sent.
    CANCELLED = "cancelled", _("Cancelled")


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
    # Set once, at the first attempt, and reused by every later attempt, so a
    # resend after a crash carries the same Message-ID and bounces find the notice.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    # A worker claims a notice (status "sending") until this time; after it, the
    # claim is stale (the worker died) and another worker may take the notice over.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    # When the send task was last handed to the broker; empty when the broker was
    # unreachable, so the outbox drain knows what to enqueue again.
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced at"), null=True, blank=True)
    bounce_reason = models.TextField(_("bounce reason"), blank=True)

    class Meta:
        ordering = ["-run_date", "-id"]
        verbose_name = _("dunning notice")
        verbose_name_plural = _("dunning notices")
        permissions = [("report_bounce_dunningnotice", _("Can report a bounced dunning notice"))]
        constraints = [
            # One notice per customer, level and run; notices sent by hand from the
            # worklist ("manual:" keys, unique by themselves) may come on top.
            models.UniqueConstraint(
                fields=["customer", "level", "run_date"],
                condition=~Q(idempotency_key__startswith="manual:"),
                name="dunning_notice_one_per_run",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="dunning_notice_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_until__isnull=False),
                name="dunning_notice_sending_has_claim",
            ),
        ]
        indexes = [
            models.Index(
                fields=["message_id"],
                condition=~Q(message_id=""),
                name="dunning_notice_message_id",
            ),
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
