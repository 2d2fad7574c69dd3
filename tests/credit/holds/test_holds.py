from decimal import Decimal

import pytest
from django.core import mail

from credit import events
from credit.models import CreditHoldEvent, CreditProfile, HoldAction, HoldSource
from credit.services import (
    credit_hold_apply_dunning,
    credit_hold_apply_grade_e,
    credit_hold_apply_over_limit,
    credit_hold_place,
    credit_hold_place_automatic,
    credit_hold_release,
)
from crm import roles
from crm.exceptions import Conflict, PermissionDenied, ValidationFailed
from notifications.models import Notification
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep():
    return UserFactory(roles=[roles.SALES_REP])


@pytest.fixture
def profile(rep):
    return CreditProfileFactory(customer=CustomerFactory(sales_rep=rep))


@pytest.fixture
def manager():
    return UserFactory(roles=[roles.CREDIT_MANAGER])


def test_manager_places_a_hold_recorded_with_who_why_and_the_rep_notified(
    profile, manager, rep, django_capture_on_commit_callbacks
):
    # given a customer not on hold and a listener on the hold event
    heard = []

    def _listen(sender, **kwargs):
        heard.append(kwargs)

    events.credit_hold_changed.connect(_listen)

    # when a credit manager places a hold
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = credit_hold_place(
                customer_id=profile.customer_id, reason=" Cheque bounced ", user=manager
            )
    finally:
        events.credit_hold_changed.disconnect(_listen)

    # then the profile is on hold, the event says who and why, the rep is told
    profile.refresh_from_db()
    assert profile.is_on_hold is True
    assert profile.hold_reason == "Cheque bounced"
    assert profile.hold_since is not None
    assert (event.action, event.source, event.actor, event.reason) == (
        HoldAction.PLACE,
        HoldSource.MANUAL,
        manager,
        "Cheque bounced",
    )
    assert heard == [
        {"customer_id": profile.customer_id, "is_on_hold": True, "reason": "Cheque bounced",
         "signal": events.credit_hold_changed}
    ]  # fmt: skip
    notification = Notification.objects.get()
    assert notification.recipient == rep
    assert notification.kind == "credit_hold"
    assert "Cheque bounced" in notification.body
    assert notification.url == f"/credit/customers/{profile.customer_id}/"
    assert [message.to for message in mail.outbox] == [[rep.email]]


def test_finance_admin_releases_a_hold_and_the_history_keeps_both(profile, rep):
    # given a customer on hold
    admin = UserFactory(roles=[roles.FINANCE_ADMIN])
    credit_hold_place(customer_id=profile.customer_id, reason="Review", user=admin)

    # when a finance admin releases it
    credit_hold_release(customer_id=profile.customer_id, reason="Paid in full", user=admin)

    # then it is off hold and both steps are recorded
    profile.refresh_from_db()
    assert (profile.is_on_hold, profile.hold_reason, profile.hold_since) == (False, "", None)
    assert list(
        CreditHoldEvent.objects.order_by("pk").values_list("action", "reason", "actor")
    ) == [(HoldAction.PLACE, "Review", admin.pk), (HoldAction.RELEASE, "Paid in full", admin.pk)]
    assert Notification.objects.filter(recipient=rep).count() == 2


@pytest.mark.parametrize("role", [roles.SALES_REP, roles.COLLECTIONS_CLERK, roles.INTEGRATOR])
def test_other_roles_may_not_place_a_hold(profile, role):
    # given a user without the hold permission
    user = UserFactory(roles=[role])

    # when they try to place a hold
    with pytest.raises(PermissionDenied) as error:
        credit_hold_place(customer_id=profile.customer_id, reason="Because", user=user)

    # then it is refused and nothing changed
    assert "credit.place_credit_hold" in error.value.message
    profile.refresh_from_db()
    assert profile.is_on_hold is False
    assert CreditHoldEvent.objects.count() == 0
    assert Notification.objects.count() == 0


def test_a_hold_without_a_reason_is_refused(profile, manager):
    with pytest.raises(ValidationFailed) as error:
        credit_hold_place(customer_id=profile.customer_id, reason="   ", user=manager)
    assert error.value.extra["fields"]["reason"]
    profile.refresh_from_db()
    assert profile.is_on_hold is False
    assert CreditHoldEvent.objects.count() == 0


def test_placing_twice_is_a_conflict_and_releasing_a_customer_not_on_hold_too(profile, manager):
    # given a customer on hold
    credit_hold_place(customer_id=profile.customer_id, reason="First", user=manager)

    # when a second hold is placed, then 409 and the first reason stays
    with pytest.raises(Conflict) as error:
        credit_hold_place(customer_id=profile.customer_id, reason="Second", user=manager)
    assert error.value.code == "already_on_hold"
    profile.refresh_from_db()
    assert profile.hold_reason == "First"

    # and releasing twice is a 409 as well
    credit_hold_release(customer_id=profile.customer_id, reason="Ok", user=manager)
    with pytest.raises(Conflict) as error:
        credit_hold_release(customer_id=profile.customer_id, reason="Again", user=manager)
    assert error.value.code == "not_on_hold"
    assert CreditHoldEvent.objects.count() == 2


def test_dunning_rule_places_one_hold_per_notice_even_after_a_manual_release(
    profile, manager, settings
):
    # given the dunning rule on
    settings.CRM_CREDIT_AUTO_HOLD_ON_DUNNING = True

    # when the same notice's escalation arrives twice
    first = credit_hold_apply_dunning(
        notice_id=7, customer_id=profile.customer_id, reason="Level 3"
    )
    again = credit_hold_apply_dunning(
        notice_id=7, customer_id=profile.customer_id, reason="Level 3"
    )

    # then one hold, recorded as an automatic one
    assert first.source == HoldSource.DUNNING
    assert first.actor is None
    assert first.trigger == "dunning-notice:7"
    assert again is None

    # and after a manual release the redelivered event does not hold again
    credit_hold_release(customer_id=profile.customer_id, reason="Agreed plan", user=manager)
    assert (
        credit_hold_apply_dunning(notice_id=7, customer_id=profile.customer_id, reason="x") is None
    )
    profile.refresh_from_db()
    assert profile.is_on_hold is False
    assert CreditHoldEvent.objects.count() == 2


def test_dunning_rule_switched_off_does_nothing(profile, settings):
    settings.CRM_CREDIT_AUTO_HOLD_ON_DUNNING = False
    assert (
        credit_hold_apply_dunning(notice_id=1, customer_id=profile.customer_id, reason="L3") is None
    )
    profile.refresh_from_db()
    assert profile.is_on_hold is False
    assert CreditHoldEvent.objects.count() == 0


def test_over_limit_rule_holds_when_exposure_passes_the_limit(profile, settings):
    # given a limit of 1500.00 and open AR of 2000.00
    settings.CRM_CREDIT_AUTO_HOLD_OVER_LIMIT = True
    CreditProfile.objects.filter(pk=profile.pk).update(credit_limit=Decimal("1500.00"))
    InvoiceFactory(customer=profile.customer, total=Decimal("1000.00"))
    invoice = InvoiceFactory(customer=profile.customer, total=Decimal("1000.00"))

    # when the rule runs for the posted invoice
    event = credit_hold_apply_over_limit(
        customer_id=profile.customer_id, trigger=f"invoice:{invoice.pk}"
    )

    # then the hold names the figures
    assert event.source == HoldSource.OVER_LIMIT
    assert "2000.00" in event.reason
    assert "1500.00" in event.reason
    profile.refresh_from_db()
    assert profile.is_on_hold is True


def test_over_limit_rule_leaves_customers_within_or_without_a_limit(profile, settings):
    settings.CRM_CREDIT_AUTO_HOLD_OVER_LIMIT = True
    InvoiceFactory(customer=profile.customer, total=Decimal("1000.00"))
    # within the limit of 50000.00
    assert (
        credit_hold_apply_over_limit(customer_id=profile.customer_id, trigger="invoice:1") is None
    )
    # no limit granted yet (zero)
    CreditProfile.objects.filter(pk=profile.pk).update(credit_limit=Decimal("0.00"))
    assert (
        credit_hold_apply_over_limit(customer_id=profile.customer_id, trigger="invoice:2") is None
    )
    assert CreditHoldEvent.objects.count() == 0


def test_grade_e_rule_holds_only_customers_still_graded_e(profile, settings):
    settings.CRM_CREDIT_AUTO_HOLD_GRADE_E = True
    other = CreditProfileFactory(customer=CustomerFactory(risk_grade="D"))
    type(profile.customer).objects.filter(pk=profile.customer_id).update(risk_grade="E")

    held = credit_hold_apply_grade_e(customer_id=profile.customer_id, trigger="grade-e:v1")
    skipped = credit_hold_apply_grade_e(customer_id=other.customer_id, trigger="grade-e:v1")

    assert held.source == HoldSource.GRADE_E
    assert skipped is None
    assert CreditHoldEvent.objects.count() == 1


def test_automatic_placement_refuses_the_manual_source(profile):
    with pytest.raises(ValidationFailed):
        credit_hold_place_automatic(
            customer_id=profile.customer_id, source=HoldSource.MANUAL, reason="x", trigger="t"
        )
    assert CreditHoldEvent.objects.count() == 0
