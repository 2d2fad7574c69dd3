"""Domain events reach the hold rules and the review schedules through tasks after commit."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from credit import events as credit_events
from credit.models import CreditHoldEvent, CreditProfile, CreditReviewSchedule, HoldSource
from customers.models import Customer
from receivables import events as receivable_events
from receivables.services import invoice_create
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def test_posting_an_invoice_over_the_limit_places_a_hold_after_commit(
    django_capture_on_commit_callbacks,
):
    # given a customer with a limit of 500.00
    profile = CreditProfileFactory(credit_limit=Decimal("500.00"))

    # when an invoice of 800.00 is posted
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invoice = invoice_create(
            customer=profile.customer,
            number="INV-OVER-1",
            issue_date=datetime.date(2026, 9, 1),
            total="800.00",
        )
        # nothing is held inside the posting transaction
        assert CreditHoldEvent.objects.count() == 0

    # then the task placed one hold, keyed by the invoice
    assert callbacks
    event = CreditHoldEvent.objects.get()
    assert (event.source, event.trigger) == (HoldSource.OVER_LIMIT, f"invoice:{invoice.pk}")
    profile.refresh_from_db()
    assert profile.is_on_hold is True


def test_dunning_hold_request_places_a_hold(django_capture_on_commit_callbacks):
    profile = CreditProfileFactory()
    with django_capture_on_commit_callbacks(execute=True):
        receivable_events.dunning_hold_requested.send(
            sender=None, notice_id=42, customer_id=profile.customer_id, level_id=3,
            reason="Third reminder unanswered",
        )  # fmt: skip
    event = CreditHoldEvent.objects.get()
    assert (event.source, event.reason, event.trigger) == (
        HoldSource.DUNNING,
        "Third reminder unanswered",
        "dunning-notice:42",
    )


def test_new_grade_e_holds_and_every_grade_change_moves_the_review_date(
    django_capture_on_commit_callbacks,
):
    # given two customers with schedules counted from today
    today = timezone.localdate()
    to_e = CreditProfileFactory(customer=CustomerFactory(risk_grade="E"))
    to_b = CreditProfileFactory(customer=CustomerFactory(risk_grade="B"))
    for profile in (to_e, to_b):
        CreditReviewSchedule.objects.create(
            customer_id=profile.customer_id, counted_from=today,
            next_review_on=today + datetime.timedelta(days=182),
        )  # fmt: skip

    # when scoring announces the new grades (the rescoring a hold change triggers is
    # held back: it would regrade these ledger-less customers from their empty history)
    from credit.scoring.tasks import credit_scores_compute

    with (
        mock.patch.object(credit_scores_compute, "delay") as rescore,
        django_capture_on_commit_callbacks(execute=True),
    ):
        credit_events.credit_grades_changed.send(
            sender=None, changes=[(to_e.customer_id, "C", "E"), (to_b.customer_id, "", "B")],
            version="v1",
        )  # fmt: skip
    rescore.assert_called_once_with(customer_ids=[to_e.customer_id])

    # then the grade E customer is on hold, and both review dates follow their grade
    assert list(CreditProfile.objects.filter(is_on_hold=True).values_list("pk", flat=True)) == [
        to_e.pk
    ]
    assert CreditHoldEvent.objects.get().source == HoldSource.GRADE_E
    schedules = dict(CreditReviewSchedule.objects.values_list("customer_id", "next_review_on"))
    assert schedules == {
        to_e.customer_id: today + datetime.timedelta(days=30),
        to_b.customer_id: today + datetime.timedelta(days=365),
    }


def test_a_new_customer_gets_a_profile_and_a_first_review_date(django_capture_on_commit_callbacks):
    from customers.services import customer_create

    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(
            code="NEW-1", name="New Co", industry="retail", region="europe",
            sales_channel="direct", currency="EUR",
        )  # fmt: skip
    assert CreditProfile.objects.filter(customer=customer).exists()
    schedule = CreditReviewSchedule.objects.get(customer=customer)
    assert schedule.next_review_on == timezone.localdate() + datetime.timedelta(days=182)
    assert Customer.objects.count() == 1
