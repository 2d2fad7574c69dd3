"""The audit history of limits and holds, written by pghistory's PostgreSQL triggers.

Triggers see every write, including QuerySet.update() and bulk_update() that
never call save() (a signal-based history library would miss those).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from credit.models import CreditLimitRequestEvent, CreditProfile, CreditProfileEvent
from credit.selectors_limits import credit_limit_history
from credit.services import (
    credit_limit_request_create,
    credit_limit_request_decide,
    credit_limits_expire,
)
from credit.services.limits import history_context
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _events(profile):
    return list(CreditProfileEvent.objects.filter(pgh_obj_id=profile.pk).order_by("pgh_id"))


def test_a_queryset_update_is_captured():
    # given
    profile = CreditProfileFactory(credit_limit=Decimal("1000.00"))
    # when the limit changes without save()
    with history_context(reason="bulk raise"):
        CreditProfile.objects.filter(pk=profile.pk).update(credit_limit=Decimal("2000.00"))
    # then an insert and an update event, the update with the context
    events = _events(profile)
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert [e.credit_limit for e in events] == [Decimal("1000.00"), Decimal("2000.00")]
    assert events[1].pgh_context == {"reason": "bulk raise"}


def test_a_bulk_update_is_captured_for_every_row():
    # given
    profiles = [CreditProfileFactory(credit_limit=Decimal("1000.00")) for _ in range(3)]
    # when
    for index, profile in enumerate(profiles):
        profile.credit_limit = Decimal("5000.00") + index
        profile.is_on_hold = index == 0
        profile.hold_reason = "Dunning escalation" if index == 0 else ""
    CreditProfile.objects.bulk_update(profiles, ["credit_limit", "is_on_hold", "hold_reason"])
    # then
    for index, profile in enumerate(profiles):
        last = _events(profile)[-1]
        assert last.pgh_label == "update"
        assert last.credit_limit == Decimal("5000.00") + index
        assert last.is_on_hold is (index == 0)
        assert last.pgh_context is None  # no context was entered


def test_an_update_of_other_columns_writes_no_event():
    profile = CreditProfileFactory(credit_limit=Decimal("1000.00"))
    CreditProfile.objects.filter(pk=profile.pk).update(updated_at=timezone.now())
    assert len(_events(profile)) == 1


def test_the_history_rows_show_who_when_old_new_and_why(credit_manager, sales_rep, thresholds):
    # given a customer whose limit is raised through a request and then put on hold
    customer = CustomerFactory(sales_rep=sales_rep, currency="USD")
    profile = CreditProfileFactory(customer=customer, credit_limit=Decimal("1000.00"))
    request = credit_limit_request_create(
        customer_id=customer.pk, user=sales_rep, requested_limit="7500", reason="New stores"
    )
    credit_limit_request_decide(request_id=request.pk, user=credit_manager, approve=True)
    with history_context(user=credit_manager, reason="Cheque bounced"):
        CreditProfile.objects.filter(pk=profile.pk).update(
            is_on_hold=True, hold_reason="Cheque bounced", hold_since=timezone.now()
        )
    # when
    history = credit_limit_history(customer=customer)
    # then newest first
    assert history.is_recorded is True
    hold, raised, created = history.rows
    assert (hold.what, hold.who, hold.old, hold.new, hold.reason) == (
        "credit hold",
        credit_manager.username,
        "not on hold",
        "on hold: Cheque bounced",
        "Cheque bounced",
    )
    assert (raised.what, raised.who, raised.old, raised.new) == (
        "credit limit",
        credit_manager.username,
        "1000.00 USD",
        "7500.00 USD",
    )
    assert raised.reason == f"Limit request #{request.pk}: New stores"
    assert (created.old, created.new, created.who) == ("—", "1000.00 USD", "system")
    # and the request's own status changes are recorded
    labels = list(
        CreditLimitRequestEvent.objects.filter(pgh_obj_id=request.pk)
        .order_by("pgh_id")
        .values_list("status", flat=True)
    )
    assert labels == ["pending", "approved"]


def test_expiry_falls_back_to_the_default_and_says_so(settings):
    settings.CRM_DEFAULT_CREDIT_LIMIT = "500"
    today = timezone.localdate()
    customer = CustomerFactory(currency="EUR")
    profile = CreditProfileFactory(
        customer=customer, credit_limit=Decimal("9000.00"), limit_expires_on=today - timedelta(1)
    )
    assert credit_limits_expire(as_of=today) == 1
    assert credit_limits_expire(as_of=today) == 0  # idempotent
    profile.refresh_from_db()
    assert profile.credit_limit == Decimal("500.00")
    assert profile.limit_expires_on is None
    newest = credit_limit_history(customer=customer).rows[0]
    assert newest.old == f"9000.00 EUR until {(today - timedelta(1)).isoformat()}"
    assert newest.new == "500.00 EUR"
    assert "expired" in newest.reason
    assert newest.who == "system"


def test_history_events_cannot_be_edited():
    from django.db import ProgrammingError, transaction

    profile = CreditProfileFactory()
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        CreditProfileEvent.objects.filter(pgh_obj_id=profile.pk).update(credit_limit=1)
