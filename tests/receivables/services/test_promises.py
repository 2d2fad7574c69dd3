import datetime
from decimal import Decimal

import pytest

from crm.exceptions import Conflict, ValidationFailed
from receivables.models import PromiseStatus, PromiseToPay
from receivables.services import (
    payment_create,
    promise_to_pay_cancel,
    promise_to_pay_create,
    promise_to_pay_evaluate,
)
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db

MADE = datetime.date(2026, 10, 1)
PROMISED = datetime.date(2026, 10, 10)


def _promise(amount="500.00"):
    invoice = InvoiceFactory(total=Decimal("800.00"))
    promise = promise_to_pay_create(
        customer=invoice.customer,
        amount=amount,
        promised_date=PROMISED,
        invoices=[invoice],
        made_on=MADE,
    )
    return promise, invoice.customer


def test_a_promise_is_kept_once_payments_since_it_was_made_reach_the_amount(settings):
    # given
    settings.CRM_PROMISE_GRACE_DAYS = 2
    promise, customer = _promise()
    payment_create(
        customer=customer, amount="200", received_date=datetime.date(2026, 9, 30)
    )  # before: ignored
    payment_create(customer=customer, amount="300", received_date=datetime.date(2026, 10, 3))
    # when
    assert promise_to_pay_evaluate(as_of=datetime.date(2026, 10, 5)) == {
        "kept": 0,
        "broken": 0,
        "open": 1,
    }
    payment_create(customer=customer, amount="200", received_date=datetime.date(2026, 10, 9))
    counts = promise_to_pay_evaluate(as_of=datetime.date(2026, 10, 9))
    # then
    promise.refresh_from_db()
    assert counts == {"kept": 1, "broken": 0, "open": 0}
    assert promise.status == PromiseStatus.KEPT
    assert promise.amount_received == Decimal("500.00")
    assert promise.closed_on == datetime.date(2026, 10, 9)


def test_a_promise_is_broken_after_the_grace_period_and_evaluating_again_changes_nothing(settings):
    settings.CRM_PROMISE_GRACE_DAYS = 2
    promise, customer = _promise()
    payment_create(customer=customer, amount="100", received_date=datetime.date(2026, 10, 2))
    assert promise_to_pay_evaluate(as_of=datetime.date(2026, 10, 12))["open"] == 1  # still in grace
    assert promise_to_pay_evaluate(as_of=datetime.date(2026, 10, 13))["broken"] == 1
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN
    assert promise.amount_received == Decimal("100.00")
    assert promise_to_pay_evaluate(as_of=datetime.date(2026, 10, 14)) == {
        "kept": 0,
        "broken": 0,
        "open": 0,
    }


def test_a_promise_dated_in_the_past_is_refused():
    customer = CustomerFactory()
    with pytest.raises(ValidationFailed) as error:
        promise_to_pay_create(
            customer=customer, amount="1", promised_date=datetime.date(2026, 9, 30), made_on=MADE
        )
    assert error.value.code == "promise_in_the_past"
    assert PromiseToPay.objects.count() == 0


def test_a_promise_for_another_customers_invoice_is_refused():
    invoice = InvoiceFactory()
    with pytest.raises(ValidationFailed):
        promise_to_pay_create(
            customer=CustomerFactory(),
            amount="1",
            promised_date=PROMISED,
            invoices=[invoice],
            made_on=MADE,
        )
    assert PromiseToPay.objects.count() == 0


def test_cancelling_closes_the_promise_once():
    promise, _customer = _promise()
    promise_to_pay_cancel(promise=promise)
    assert promise.status == PromiseStatus.CANCELLED
    with pytest.raises(Conflict):
        promise_to_pay_cancel(promise=promise)


def test_a_promise_further_out_than_the_limit_is_refused_naming_the_latest_date(settings):
    # given
    settings.CRM_PROMISE_MAX_DAYS = 365
    customer = CustomerFactory()
    latest = MADE + datetime.timedelta(days=365)

    # when / then: the last allowed day is accepted, the day after and 9999-12-31 are not
    promise_to_pay_create(customer=customer, amount="1", promised_date=latest, made_on=MADE)
    for too_far in (latest + datetime.timedelta(days=1), datetime.date(9999, 12, 31)):
        with pytest.raises(ValidationFailed) as error:
            promise_to_pay_create(
                customer=customer, amount="1", promised_date=too_far, made_on=MADE
            )
        assert error.value.code == "promise_too_far"
        assert str(latest) in str(error.value)
        assert "promised_date" in error.value.extra["fields"]
    assert PromiseToPay.objects.count() == 1


def test_a_far_future_promise_saved_earlier_does_not_stop_the_daily_evaluation(settings):
    # given: an overdue promise, and one dated at the end of the calendar (saved
    # before promises were limited)
    settings.CRM_PROMISE_GRACE_DAYS = 2
    overdue, _customer = _promise()
    far, _other = _promise()
    PromiseToPay.objects.filter(pk=far.pk).update(promised_date=datetime.date(9999, 12, 31))

    # when
    counts = promise_to_pay_evaluate(as_of=datetime.date(2026, 11, 1))

    # then
    assert counts == {"kept": 0, "broken": 1, "open": 1}
    overdue.refresh_from_db()
    far.refresh_from_db()
    assert overdue.status == PromiseStatus.BROKEN
    assert far.status == PromiseStatus.OPEN
