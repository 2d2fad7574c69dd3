from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from credit.models import CreditProfile
from credit.selectors_limits import customer_payment_histories
from credit.services import credit_limits_expire
from credit.tasks import credit_limits_expire as credit_limits_expire_task
from receivables.services import allocation_create
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def test_payment_history_weights_days_late_by_amount():
    # given, as of 2026-10-31: 1000 due 09-01 paid 09-11 (10 days late), 3000 due 10-01
    # still open (30 days late so far), 500 due 2025 (outside 12 months), 200 not yet due
    as_of = timezone.datetime(2026, 10, 31).date()
    customer = CustomerFactory(currency="EUR")
    paid = InvoiceFactory(
        customer=customer,
        currency="EUR",
        total=Decimal("1000.00"),
        issue_date=as_of - timedelta(days=90),
        due_date=as_of - timedelta(days=60),
    )
    payment = PaymentFactory(
        customer=customer,
        currency="EUR",
        amount=Decimal("1000.00"),
        received_date=as_of - timedelta(days=50),
    )
    allocation_create(
        payment=payment, invoice=paid, amount="1000.00", allocated_on=as_of - timedelta(days=50)
    )
    InvoiceFactory(
        customer=customer,
        currency="EUR",
        total=Decimal("3000.00"),
        issue_date=as_of - timedelta(days=60),
        due_date=as_of - timedelta(days=30),
    )
    InvoiceFactory(
        customer=customer,
        currency="EUR",
        total=Decimal("500.00"),
        issue_date=as_of - timedelta(days=420),
        due_date=as_of - timedelta(days=400),
    )
    InvoiceFactory(
        customer=customer,
        currency="EUR",
        total=Decimal("200.00"),
        issue_date=as_of - timedelta(days=5),
        due_date=as_of + timedelta(days=25),
    )
    # when
    history = customer_payment_histories(customer_ids=[customer.pk], as_of=as_of)[customer.pk]
    # then (1000*10 + 3000*30) / 4000 = 25.0; overdue 3000 + 500; exposure all open
    paid.refresh_from_db()
    assert paid.paid_date == as_of - timedelta(days=50)
    assert history.weighted_days_late == Decimal("25.0")
    assert history.overdue == Decimal("3500.00")
    assert history.exposure == Decimal("3700.00")


def test_a_customer_without_invoices_has_no_days_late():
    customer = CustomerFactory()
    history = customer_payment_histories(customer_ids=[customer.pk])[customer.pk]
    assert history.weighted_days_late is None
    assert history.exposure == Decimal("0.00")


def test_expired_limits_fall_back_to_the_default_and_others_stay(settings):
    # given
    settings.CRM_DEFAULT_CREDIT_LIMIT = "750"
    today = timezone.localdate()
    expired = CreditProfileFactory(
        credit_limit=Decimal("9000.00"), limit_expires_on=today - timedelta(days=1)
    )
    last_day = CreditProfileFactory(credit_limit=Decimal("8000.00"), limit_expires_on=today)
    open_ended = CreditProfileFactory(credit_limit=Decimal("7000.00"))
    # when the nightly task runs
    credit_limits_expire_task.delay()
    # then
    expired.refresh_from_db()
    assert (expired.credit_limit, expired.limit_expires_on) == (Decimal("750.00"), None)
    assert CreditProfile.objects.get(pk=last_day.pk).credit_limit == Decimal("8000.00")
    assert CreditProfile.objects.get(pk=open_ended.pk).credit_limit == Decimal("7000.00")
    assert credit_limits_expire(as_of=today) == 0
