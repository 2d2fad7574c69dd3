"""Reads of the customer panel and the activity timeline, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from customers.models import Contact, Customer
from customers.selectors import customer_visibility_q
from receivables.collections.services import WORK_PERMISSION
from receivables.models import (
    CollectionActivity,
    CollectionCase,
    CustomerBalance,
    DunningNotice,
    DunningNoticeStatus,
    Invoice,
    PromiseStatus,
    PromiseToPay,
)

User = AbstractBaseUser | AnonymousUser
PANEL_NOTICES = 50
PANEL_ACTIVITIES = 100
PANEL_INVOICES = 200


@dataclass
class CustomerPanel:
    customer: Customer
    case: CollectionCase | None
    balances: list[CustomerBalance]
    open_invoices: list[Invoice]
    contacts: list[Contact]
    notices: list[DunningNotice]
    activities: list[CollectionActivity]
    open_promises: list[PromiseToPay]
    agency_flagged_on: date | None


def collection_activity_list(*, user: User) -> QuerySet[CollectionActivity]:
    return CollectionActivity.objects.select_related(
        "author", "promise", "dispute", "notice__level"
    ).filter(customer_visibility_q(user=user, prefix="customer__"))


def customer_panel(*, customer: Customer) -> CustomerPanel:
    """Everything the panel shows about one (already visibility-checked) customer."""
    case = CollectionCase.objects.select_related("assignee").filter(customer=customer).first()
    notices = list(
        DunningNotice.objects.filter(customer=customer)
        .select_related("level__policy")
        .order_by("-run_date", "-pk")[:PANEL_NOTICES]
    )
    agency = (
        DunningNotice.objects.filter(
            customer=customer, status=DunningNoticeStatus.SENT, level__flag_for_agency=True
        )
        .order_by("run_date")
        .values_list("run_date", flat=True)
        .first()
    )
    return CustomerPanel(
        customer=customer,
        case=case,
        balances=list(
            CustomerBalance.objects.filter(customer=customer).exclude(
                Q(open_total=0) & Q(overdue_total=0)
            )
        ),
        open_invoices=list(
            Invoice.objects.filter(customer=customer, open_amount__gt=0).order_by("due_date", "pk")[
                :PANEL_INVOICES
            ]
        ),
        contacts=list(customer.contacts.order_by("-is_billing", "name")),
        notices=notices,
        activities=list(
            CollectionActivity.objects.filter(customer=customer)
            .select_related("author", "promise", "dispute__invoice", "notice__level")
            .order_by("-created_at", "-pk")[:PANEL_ACTIVITIES]
        ),
        open_promises=list(
            PromiseToPay.objects.filter(customer=customer, status=PromiseStatus.OPEN).order_by(
                "promised_date"
            )
        ),
        agency_flagged_on=agency,
    )


def clerk_choices() -> QuerySet[Any]:
    """Active users who may work the worklist (the assignees a manager can pick)."""
    app_label, codename = WORK_PERMISSION.split(".")
    permission = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(permission | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )
