"""Open orders that raise the exposure over the limit place the over-limit hold, through the
same rule, setting and task as a posted invoice; closing orders never does."""

from decimal import Decimal

import pytest
from django.urls import reverse

from credit.models import CreditHoldEvent, CreditProfile, HoldAction, HoldSource, OpenOrderStatus
from credit.services import (
    credit_hold_place,
    credit_hold_release,
    open_order_close,
    open_order_replace_all,
    open_order_report,
)
from crm import roles
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile():
    """A limit of 1000.00 and 800.00 open AR: 200.00 of credit left."""
    profile = CreditProfileFactory(credit_limit=Decimal("1000.00"))
    InvoiceFactory(customer=profile.customer, total=Decimal("800.00"))
    return profile


@pytest.fixture
def manager():
    return UserFactory(roles=[roles.CREDIT_MANAGER])


def _report(profile, reference: str, amount: str):
    return open_order_report(
        customer=profile.customer, external_reference=reference, amount=amount, currency="USD"
    )[0]


def _hold_state(profile) -> tuple[bool, str]:
    profile.refresh_from_db()
    return profile.is_on_hold, profile.hold_reason


def test_reporting_an_order_over_the_limit_places_a_hold_after_commit(
    profile, django_capture_on_commit_callbacks
):
    # when an order of 300.00 takes the exposure to 1100.00
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = _report(profile, "SO-1", "300.00")
        # nothing is held inside the reporting transaction
        assert CreditHoldEvent.objects.count() == 0

    # then the over-limit rule placed one hold, naming the figures
    assert callbacks
    event = CreditHoldEvent.objects.get()
    assert (event.action, event.source, event.actor) == (
        HoldAction.PLACE,
        HoldSource.OVER_LIMIT,
        None,
    )
    assert event.trigger.startswith(f"open-order:{order.pk}:")
    assert "1100.00" in event.reason
    assert "1000.00" in event.reason
    assert _hold_state(profile) == (True, event.reason)


def test_raising_a_reported_order_over_the_limit_places_a_hold(
    profile, django_capture_on_commit_callbacks
):
    # given an order of 100.00 within the limit
    with django_capture_on_commit_callbacks(execute=True):
        _report(profile, "SO-1", "100.00")
    assert CreditHoldEvent.objects.count() == 0

    # when the integrator replaces its amount with 250.00
    with django_capture_on_commit_callbacks(execute=True):
        _report(profile, "SO-1", "250.00")

    # then the customer is on hold
    assert CreditHoldEvent.objects.get().source == HoldSource.OVER_LIMIT
    assert _hold_state(profile)[0] is True


def test_replacing_the_set_of_orders_over_the_limit_places_a_hold(
    profile, django_capture_on_commit_callbacks
):
    # given an order of 150.00 within the limit
    with django_capture_on_commit_callbacks(execute=True):
        _report(profile, "SO-1", "150.00")

    # when the integrator replaces it with orders of 100.00 and 150.00 (exposure 1050.00)
    with django_capture_on_commit_callbacks(execute=True):
        open_order_replace_all(
            customer=profile.customer,
            orders=[
                {"external_reference": "SO-2", "amount": "100.00", "currency": "USD"},
                {"external_reference": "SO-3", "amount": "150.00", "currency": "USD"},
            ],
        )

    # then one hold
    event = CreditHoldEvent.objects.get()
    assert event.source == HoldSource.OVER_LIMIT
    assert event.trigger.startswith("open-order:")
    assert _hold_state(profile)[0] is True


def test_the_api_report_over_the_limit_places_a_hold(
    client_for, profile, django_capture_on_commit_callbacks
):
    client, _user = client_for(roles.INTEGRATOR)
    body = {"customer": profile.customer_id, "external_reference": "SO-9", "amount": "500.00",
            "currency": "USD"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("open-order-list"), body, format="json")
    assert response.status_code == 201, response.content
    assert CreditHoldEvent.objects.get().source == HoldSource.OVER_LIMIT


def test_closing_or_lowering_orders_over_the_limit_places_no_hold(
    profile, django_capture_on_commit_callbacks, settings
):
    # given orders reported while the rule was off: exposure 800 + 300 + 200 = 1300.00
    settings.CRM_CREDIT_AUTO_HOLD_OVER_LIMIT = False
    with django_capture_on_commit_callbacks(execute=True):
        first = _report(profile, "SO-1", "300.00")
        _report(profile, "SO-2", "200.00")
        _report(profile, "SO-3", "50.00")
    settings.CRM_CREDIT_AUTO_HOLD_OVER_LIMIT = True

    # when, still over the limit, one order is closed, one lowered, one sent again
    # unchanged, and the set replaced by a smaller one
    with django_capture_on_commit_callbacks(execute=True):
        open_order_close(order=first)
        _report(profile, "SO-2", "150.00")
        _report(profile, "SO-3", "50.00")
        open_order_replace_all(
            customer=profile.customer,
            orders=[{"external_reference": "SO-2", "amount": "150.00", "currency": "USD"}],
        )

    # then no hold was placed
    assert CreditHoldEvent.objects.count() == 0
    assert _hold_state(profile) == (False, "")
    assert profile.customer.open_orders.get(external_reference="SO-3").status == (
        OpenOrderStatus.CLOSED
    )


def test_an_order_over_the_limit_with_the_rule_off_places_no_hold(
    profile, django_capture_on_commit_callbacks, settings
):
    settings.CRM_CREDIT_AUTO_HOLD_OVER_LIMIT = False
    with django_capture_on_commit_callbacks(execute=True):
        _report(profile, "SO-1", "5000.00")
        open_order_replace_all(
            customer=profile.customer,
            orders=[{"external_reference": "SO-2", "amount": "6000.00", "currency": "USD"}],
        )
    assert CreditHoldEvent.objects.count() == 0
    assert _hold_state(profile) == (False, "")


def test_an_order_within_the_limit_places_no_hold(profile, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _report(profile, "SO-1", "200.00")  # exposure exactly 1000.00
    assert CreditHoldEvent.objects.count() == 0
    assert _hold_state(profile) == (False, "")


def test_an_order_for_a_customer_already_on_hold_adds_no_hold_event(
    profile, manager, django_capture_on_commit_callbacks
):
    # given a manual hold
    credit_hold_place(customer_id=profile.customer_id, reason="Cheque bounced", user=manager)

    # when an order takes the exposure over the limit
    with django_capture_on_commit_callbacks(execute=True):
        _report(profile, "SO-1", "900.00")

    # then the manual hold stands alone
    event = CreditHoldEvent.objects.get()
    assert (event.source, event.reason) == (HoldSource.MANUAL, "Cheque bounced")
    assert _hold_state(profile) == (True, "Cheque bounced")


def test_a_release_is_undone_only_by_a_new_raise_not_by_a_redelivery(
    profile, manager, django_capture_on_commit_callbacks
):
    # given an order that placed the hold, released by hand while still over the limit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _report(profile, "SO-1", "300.00")
    for callback in callbacks:
        callback()
    credit_hold_release(customer_id=profile.customer_id, reason="Agreed plan", user=manager)

    # when the same report's task is delivered again, and the order is sent again unchanged
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
        _report(profile, "SO-1", "300.00")

    # then the release stands
    assert _hold_state(profile) == (False, "")
    assert CreditHoldEvent.objects.count() == 2

    # but a new order over the limit holds again
    with django_capture_on_commit_callbacks(execute=True):
        _report(profile, "SO-2", "10.00")
    assert _hold_state(profile)[0] is True
    assert CreditHoldEvent.objects.filter(source=HoldSource.OVER_LIMIT).count() == 2
    assert not CreditProfile.objects.exclude(pk=profile.pk).exists()
