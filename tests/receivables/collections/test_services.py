import datetime
from decimal import Decimal

import pytest

from crm import roles
from crm.exceptions import Conflict, PermissionDenied, ValidationFailed
from receivables.collections.services import (
    collection_activity_log,
    collection_case_assign,
    collection_case_claim,
    collection_case_follow_up_set,
    collection_case_release,
    collection_dispute_open,
    collection_promise_record,
)
from receivables.models import (
    ActivityKind,
    CollectionActivity,
    CollectionCase,
    Dispute,
    PromiseToPay,
)
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.receivables.collections.helpers import overdue_customer, overdue_invoice, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return UserFactory(roles=[roles.COLLECTIONS_CLERK])


@pytest.fixture
def customer():
    return overdue_customer(days=20, total="1000.00")


def _timeline(customer):
    return list(
        CollectionActivity.objects.filter(customer=customer)
        .order_by("id")
        .values_list("kind", "outcome")
    )


def test_claim_takes_an_unassigned_case_and_logs_it(clerk, customer):
    # when
    case = collection_case_claim(customer=customer, user=clerk)

    # then
    case.refresh_from_db()
    assert case.assignee == clerk
    assert case.claimed_at is not None
    assert _timeline(customer) == [(ActivityKind.ASSIGNMENT, "Claimed")]
    # claiming is no contact: a dunning escalation still waits for one
    assert case.last_activity_at is None


def test_claim_again_by_the_same_clerk_changes_nothing(clerk, customer):
    collection_case_claim(customer=customer, user=clerk)
    collection_case_claim(customer=customer, user=clerk)
    assert CollectionActivity.objects.count() == 1


def test_claim_of_a_case_held_by_another_clerk_is_refused(clerk, customer):
    # given
    other = UserFactory(roles=[roles.COLLECTIONS_CLERK])
    collection_case_claim(customer=customer, user=other)

    # when
    with pytest.raises(Conflict) as error:
        collection_case_claim(customer=customer, user=clerk)

    # then
    assert error.value.code == "case_already_claimed"
    assert other.username in error.value.message
    assert CollectionCase.objects.get(customer=customer).assignee == other
    assert CollectionActivity.objects.count() == 1


def test_sales_rep_cannot_claim(customer):
    rep = UserFactory(roles=[roles.SALES_REP])
    with pytest.raises(PermissionDenied):
        collection_case_claim(customer=customer, user=rep)
    assert CollectionCase.objects.count() == 0


def test_manager_assigns_to_a_clerk(clerk, customer):
    # given
    manager = UserFactory(roles=[roles.CREDIT_MANAGER])

    # when
    collection_case_assign(customer=customer, assignee=clerk, user=manager)

    # then
    assert CollectionCase.objects.get(customer=customer).assignee == clerk
    assert _timeline(customer) == [(ActivityKind.ASSIGNMENT, f"Assigned to {clerk.username}")]


def test_clerk_cannot_assign(clerk, customer):
    other = UserFactory(roles=[roles.COLLECTIONS_CLERK])
    with pytest.raises(PermissionDenied) as error:
        collection_case_assign(customer=customer, assignee=other, user=clerk)
    assert error.value.code == "assign_not_allowed"
    assert CollectionCase.objects.count() == 0


def test_assign_to_someone_who_cannot_work_the_queue_is_refused(customer):
    manager = UserFactory(roles=[roles.FINANCE_ADMIN])
    rep = UserFactory(roles=[roles.SALES_REP])
    with pytest.raises(ValidationFailed) as error:
        collection_case_assign(customer=customer, assignee=rep, user=manager)
    assert error.value.extra["fields"]["assignee"]
    assert CollectionCase.objects.count() == 0


def test_release_by_assignee_or_manager_only(clerk, customer):
    # given
    collection_case_claim(customer=customer, user=clerk)
    other = UserFactory(roles=[roles.COLLECTIONS_CLERK])

    # when / then: another clerk may not
    with pytest.raises(PermissionDenied):
        collection_case_release(customer=customer, user=other)
    assert CollectionCase.objects.get(customer=customer).assignee == clerk

    # when / then: a manager may
    manager = UserFactory(roles=[roles.CREDIT_MANAGER])
    case = collection_case_release(customer=customer, user=manager)
    assert case.assignee is None
    assert case.claimed_at is None
    assert _timeline(customer)[-1] == (ActivityKind.ASSIGNMENT, "Released")


def test_log_a_call_records_the_outcome_and_the_last_activity(clerk, customer):
    # when
    activity = collection_activity_log(
        customer=customer, kind=ActivityKind.CALL, outcome="  Will pay Friday  ", user=clerk
    )

    # then
    assert activity.author == clerk
    assert activity.outcome == "Will pay Friday"
    assert CollectionCase.objects.get(customer=customer).last_activity_at == activity.created_at


@pytest.mark.parametrize(
    ("kind", "outcome", "field", "code"),
    [
        (ActivityKind.CALL, "   ", "outcome", "outcome_required"),
        (ActivityKind.NOTE, "x" * 4001, "outcome", "outcome_too_long"),
        (ActivityKind.PROMISE, "Promised", "kind", "activity_kind_not_loggable"),
        ("visit", "Went there", "kind", "activity_kind_not_loggable"),
    ],
)
def test_bad_activity_is_refused_and_nothing_is_written(
    clerk, customer, kind, outcome, field, code
):
    with pytest.raises(ValidationFailed) as error:
        collection_activity_log(customer=customer, kind=kind, outcome=outcome, user=clerk)
    assert error.value.code == code
    assert field in error.value.extra["fields"]
    assert CollectionActivity.objects.count() == 0
    assert CollectionCase.objects.count() == 0


def test_follow_up_set_and_cleared(clerk, customer):
    # given
    day = today() + datetime.timedelta(days=3)

    # when
    case = collection_case_follow_up_set(customer=customer, follow_up_on=day, user=clerk)

    # then
    assert CollectionCase.objects.get(pk=case.pk).next_follow_up_on == day

    # when
    collection_case_follow_up_set(customer=customer, follow_up_on=None, user=clerk)

    # then
    assert CollectionCase.objects.get(pk=case.pk).next_follow_up_on is None
    assert _timeline(customer) == [
        (ActivityKind.FOLLOW_UP, f"Next follow-up on {day.isoformat()}"),
        (ActivityKind.FOLLOW_UP, "Follow-up cleared"),
    ]


def test_follow_up_in_the_past_is_refused(clerk, customer):
    with pytest.raises(ValidationFailed) as error:
        collection_case_follow_up_set(
            customer=customer, follow_up_on=today() - datetime.timedelta(days=1), user=clerk
        )
    assert error.value.code == "follow_up_in_the_past"
    assert CollectionCase.objects.count() == 0


def test_promise_from_the_panel_writes_promise_and_activity_together(clerk, customer):
    # given
    invoice = customer.invoices.get()
    day = today() + datetime.timedelta(days=7)

    # when
    activity = collection_promise_record(
        customer=customer,
        amount="400.00",
        promised_date=day,
        invoices=[invoice],
        note="Half now",
        user=clerk,
    )

    # then
    promise = PromiseToPay.objects.get()
    assert activity.promise == promise
    assert promise.amount == Decimal("400.00")
    assert list(promise.invoices.all()) == [invoice]
    assert promise.created_by == clerk
    assert activity.outcome == f"Promised 400.00 USD by {day.isoformat()}: Half now"


def test_bad_promise_writes_neither_promise_nor_activity(clerk, customer):
    with pytest.raises(ValidationFailed) as error:
        collection_promise_record(
            customer=customer,
            amount="400.00",
            promised_date=today() - datetime.timedelta(days=1),
            user=clerk,
        )
    assert error.value.code == "promise_in_the_past"
    assert PromiseToPay.objects.count() == 0
    assert CollectionActivity.objects.count() == 0
    assert CollectionCase.objects.count() == 0


def test_dispute_from_the_panel(clerk, customer):
    # given
    invoice = customer.invoices.get()

    # when
    activity = collection_dispute_open(
        customer=customer, invoice=invoice, reason="Wrong quantity", user=clerk
    )

    # then
    invoice.refresh_from_db()
    assert invoice.is_disputed is True
    assert activity.dispute == Dispute.objects.get()
    assert activity.outcome == f"Dispute on {invoice.number}: Wrong quantity"


def test_dispute_on_another_customers_invoice_is_refused(clerk, customer):
    other_invoice = overdue_invoice(CustomerFactory(), days=3, total="10.00")
    with pytest.raises(ValidationFailed) as error:
        collection_dispute_open(
            customer=customer, invoice=other_invoice, reason="Wrong", user=clerk
        )
    assert error.value.code == "dispute_customer_mismatch"
    assert Dispute.objects.count() == 0
    assert CollectionActivity.objects.count() == 0


def test_second_dispute_on_the_same_invoice_rolls_back_the_activity(clerk, customer):
    invoice = customer.invoices.get()
    collection_dispute_open(customer=customer, invoice=invoice, reason="Wrong", user=clerk)
    with pytest.raises(Conflict):
        collection_dispute_open(customer=customer, invoice=invoice, reason="Again", user=clerk)
    assert Dispute.objects.count() == 1
    assert CollectionActivity.objects.count() == 1
