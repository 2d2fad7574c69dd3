"""Customers and their contacts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from crm.money import CurrencyField


class Region(models.TextChoices):
    NORTH_AMERICA = "north_america", _("North America")
    LATIN_AMERICA = "latin_america", _("Latin America")
    EUROPE = "europe", _("Europe")
    MIDDLE_EAST_AFRICA = "middle_east_africa", _("Middle East & Africa")
    ASIA_PACIFIC = "asia_pacific", _("Asia Pacific")
    GREATER_CHINA = "greater_china", _("Greater China")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    WHOLESALE = "wholesale", _("Wholesale")
    RETAIL = "retail", _("Retail")
    CONSTRUCTION = "construction", _("Construction")
    HEALTHCARE = "healthcare", _("Healthcare")
    TECHNOLOGY = "technology", _("Technology")
    LOGISTICS = "logistics", _("Logistics")
    HOSPITALITY = "hospitality", _("Hospitality")
    ENERGY = "energy", _("Energy")
    PUBLIC_SECTOR = "public_sector", _("Public sector")


class SalesChannel(models.TextChoices):
    DIRECT = "direct", _("Direct")
    DISTRIBUTOR = "distributor", _("Distributor")
    ONLINE = "online", _("Online")
    PARTNER = "partner", _("Partner")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class Tier(models.TextChoices):
    VIP = "vip", _("VIP")
    NORMAL = "normal", _("Normal")
    HIGH_RISK = "high_risk", _("High risk")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SIMPLIFIED_CHINESE = "zh-hans", _("Simplified Chinese")


class Customer(TimeStampedModel):
    code = models.CharField(_("code"), max_length=32, unique=True)
    external_id = models.CharField(
        _("external id"), max_length=64, unique=True, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=200)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices)
    region = models.CharField(_("region"), max_length=32, choices=Region.choices)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code"))
    sales_channel = models.CharField(
        _("sales channel"), max_length=16, choices=SalesChannel.choices
    )
    currency = CurrencyField(_("currency"))
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    sales_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales rep"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    customer_since = models.DateField(_("customer since"))
    # Written by analytics through customers.services.customer_tier_set.
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.NORMAL)
    tier_changed_at = models.DateTimeField(_("tier changed at"), null=True, blank=True)
    # Written by credit through customers.services.customer_risk_set_many: the
    # grade of the latest score and its probability of default, so that apps
    # to the left of credit (the collections worklist) can rank by expected loss.
    risk_grade = models.CharField(_("risk grade"), max_length=1, blank=True)
    probability_of_default = models.DecimalField(
        _("probability of default"), max_digits=5, decimal_places=4, null=True, blank=True
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(
                condition=Q(payment_terms_days__lte=365),
                name="customer_payment_terms_at_most_a_year",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="customer_code_not_blank"),
            models.CheckConstraint(condition=~Q(name=""), name="customer_name_not_blank"),
            models.CheckConstraint(
                condition=Q(probability_of_default__isnull=True)
                | Q(probability_of_default__gte=0, probability_of_default__lte=1),
                name="customer_probability_of_default_0_1",
            ),
        ]
        indexes = [
            models.Index(fields=["sales_rep", "code"], name="customer_sales_rep_idx"),
            models.Index(fields=["region"], name="customer_region_idx"),
            models.Index(fields=["tier"], name="customer_tier_idx"),
            models.Index(fields=["tax_id"], name="customer_tax_id_idx"),
            models.Index(fields=["name"], name="customer_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Contact(TimeStampedModel):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_billing = models.BooleanField(_("billing contact"), default=False)
    is_email_valid = models.BooleanField(
        _("email valid"), default=True, help_text=_("Cleared when a reminder to it bounced.")
    )

    class Meta:
        ordering = ["customer_id", "-is_billing", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "email"],
                condition=~Q(email=""),
                name="contact_email_unique_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(is_billing=False) | ~Q(email=""),
                name="contact_billing_has_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name
