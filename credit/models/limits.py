"""Credit-limit requests (four eyes) and the audit history of limits and holds.

History is kept by django-pghistory: PostgreSQL triggers write an event row for
every change of the tracked columns, including ``QuerySet.update()`` and
``bulk_update()`` which never call ``save()``. On SQLite no triggers are
installed, so nothing is recorded there (see ``credit.selectors_limits``).
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from credit.models.profiles import CreditProfile
from crm.models import TimeStampedModel
from crm.money import CurrencyField, MoneyField


class LimitRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval", _("Awaiting second approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (LimitRequestStatus.PENDING, LimitRequestStatus.AWAITING_SECOND_APPROVAL)
DECIDED_STATUSES = (
    LimitRequestStatus.AWAITING_SECOND_APPROVAL,
    LimitRequestStatus.APPROVED,
    LimitRequestStatus.REJECTED,
)

_LIMIT_HISTORY_FIELDS = [
    "credit_limit",
    "currency",
    "limit_expires_on",
    "is_on_hold",
    "hold_reason",
    "hold_since",
]


class CreditLimitRequest(TimeStampedModel):
    """A request to set a customer's credit limit; the limit changes only on final approval."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="credit_limit_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_limit = MoneyField(_("requested limit"))
    currency = CurrencyField(_("currency"))
    reason = models.TextField(_("reason"), max_length=2000)
    expires_on = models.DateField(_("limit expires on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=LimitRequestStatus.choices,
        default=LimitRequestStatus.PENDING,
    )
    needs_second_approval = models.BooleanField(_("needs a second approval"), default=False)
    first_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first decision by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    first_decided_at = models.DateTimeField(_("first decision at"), null=True, blank=True)
    first_comment = models.TextField(_("first decision comment"), max_length=2000, blank=True)
    second_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second decision by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    second_decided_at = models.DateTimeField(_("second decision at"), null=True, blank=True)
    second_comment = models.TextField(_("second decision comment"), max_length=2000, blank=True)
    previous_limit = MoneyField(
        _("limit before approval"),
        null=True,
        blank=True,
        help_text=_("The limit the approval replaced."),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit-limit request")
        verbose_name_plural = _("credit-limit requests")
        ordering = ("-created_at", "-id")
        permissions = [
            ("decide_creditlimitrequest", _("Can approve or reject credit-limit requests")),
            (
                "approve_second_creditlimitrequest",
                _("Can give the second approval of a large credit-limit request"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_limit__gt=0), name="limit_request_limit_positive"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="limit_request_has_reason"),
            models.CheckConstraint(
                condition=Q(status__in=LimitRequestStatus.values),
                name="limit_request_status_known",
            ),
            # Four eyes, as far as a row can tell: nobody decides their own request
            # and nobody gives both approvals.
            models.CheckConstraint(
                condition=Q(first_decided_by__isnull=True) | ~Q(first_decided_by=F("requested_by")),
                name="limit_request_first_not_requester",
            ),
            models.CheckConstraint(
                condition=Q(second_decided_by__isnull=True)
                | (
                    ~Q(second_decided_by=F("requested_by"))
                    & ~Q(second_decided_by=F("first_decided_by"))
                ),
                name="limit_request_second_is_a_third_person",
            ),
            # A decided request names its (first) decider; a pending one does not.
            models.CheckConstraint(
                condition=~Q(status__in=DECIDED_STATUSES)
                | Q(first_decided_by__isnull=False, first_decided_at__isnull=False),
                name="limit_request_decided_has_decider",
            ),
            models.CheckConstraint(
                condition=~Q(status=LimitRequestStatus.PENDING)
                | Q(first_decided_by__isnull=True, first_decided_at__isnull=True),
                name="limit_request_pending_undecided",
            ),
            # An approval that needed two people has both.
            models.CheckConstraint(
                condition=~Q(status=LimitRequestStatus.APPROVED, needs_second_approval=True)
                | Q(second_decided_by__isnull=False, second_decided_at__isnull=False),
                name="limit_request_second_approval_present",
            ),
            models.CheckConstraint(
                condition=~Q(status=LimitRequestStatus.APPROVED) | Q(previous_limit__isnull=False),
                name="limit_request_approved_records_old_limit",
            ),
            # One open request per customer: two would race for the same limit.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=OPEN_STATUSES),
                name="limit_request_one_open_per_customer",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "created_at"],
                condition=Q(status__in=OPEN_STATUSES),
                name="limit_request_open",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.requested_limit} {self.currency}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# The audit history of each customer's limit and hold. The trigger writes the
# NEW row on insert and on every update that changes one of these columns.
CreditProfileEvent = pghistory.create_event_model(
    CreditProfile,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(condition=pghistory.AnyChange(*_LIMIT_HISTORY_FIELDS)),
    fields=_LIMIT_HISTORY_FIELDS,
    context_field=pghistory.ContextJSONField(),
    append_only=True,
    model_name="CreditProfileEvent",
    abstract=False,
)

# Every status change of a request (who decided is on the row itself).
CreditLimitRequestEvent = pghistory.create_event_model(
    CreditLimitRequest,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(condition=pghistory.AnyChange("status")),
    fields=["status", "requested_limit", "first_decided_by", "second_decided_by", "previous_limit"],
    context_field=pghistory.ContextJSONField(),
    append_only=True,
    model_name="CreditLimitRequestEvent",
    abstract=False,
)
