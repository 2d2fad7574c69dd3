import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from credit.models import CreditCheck, CreditProfile
from credit.services import credit_check_run, credit_hold_place, open_order_report
from crm import roles
from crm.exceptions import Conflict, NotFound, ValidationFailed
from customers.models import Customer
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def integrator():
    return UserFactory(roles=[roles.INTEGRATOR])


@pytest.fixture
def profile():
    """A limit of 5000.00 USD and 1000.00 open, not yet due."""
    profile = CreditProfileFactory(credit_limit=Decimal("5000.00"))
    InvoiceFactory(
        customer=profile.customer, total=Decimal("1000.00"), issue_date=timezone.localdate()
    )
    return profile


def _run(profile, user, amount="500.00", reference="SO-1", currency="USD"):
    return credit_check_run(
        customer_id=profile.customer_id, order_amount=amount, currency=currency,
        order_reference=reference, user=user,
    )  # fmt: skip


def test_an_order_within_the_limit_passes_and_is_logged(profile, integrator):
    # when an order of 500.00 is checked
    check, created = _run(profile, integrator)

    # then it passes with the figures, and the answer is stored
    assert created is True
    assert check.result == "pass"
    assert check.reasons == []
    assert (check.credit_limit, check.exposure, check.available_credit) == (
        Decimal("5000.00"),
        Decimal("1000.00"),
        Decimal("4000.00"),
    )
    assert check.order_amount == Decimal("500.00")
    assert check.requested_by == integrator
    assert CreditCheck.objects.count() == 1


def test_open_orders_count_in_exposure_but_not_the_order_being_checked(profile, integrator):
    # given two reported open orders, one of them the order being checked
    open_order_report(
        customer=profile.customer, external_reference="SO-0", amount="3500.00", currency="USD"
    )
    open_order_report(
        customer=profile.customer, external_reference="SO-1", amount="600.00", currency="USD"
    )

    # when SO-1 is checked
    check, _created = _run(profile, integrator, amount="600.00", reference="SO-1")

    # then exposure is AR + SO-0 only, and 600 more goes over the limit by 100
    assert check.exposure == Decimal("4500.00")
    assert check.available_credit == Decimal("500.00")
    assert check.result == "fail"
    assert [reason["code"] for reason in check.reasons] == ["over_limit"]
    assert "100.00" in check.reasons[0]["message"]


def test_every_reason_is_reported_in_order(profile, integrator, settings):
    # given a customer on hold, graded E, with 2000.00 overdue for 61 days
    settings.CRM_CREDIT_CHECK_MAX_OVERDUE_AMOUNT = "1000.00"
    settings.CRM_CREDIT_CHECK_MAX_OVERDUE_DAYS = 60
    today = timezone.localdate()
    InvoiceFactory(
        customer=profile.customer, total=Decimal("2000.00"),
        issue_date=today - datetime.timedelta(days=91), due_date=today - datetime.timedelta(days=61),
    )  # fmt: skip
    Customer.objects.filter(pk=profile.customer_id).update(risk_grade="E")
    credit_hold_place(
        customer_id=profile.customer_id, reason="Bounced cheque",
        user=UserFactory(roles=[roles.CREDIT_MANAGER]),
    )  # fmt: skip

    # when an order of 2500.00 is checked (exposure 3000 + 2500 > 5000)
    check, _created = _run(profile, integrator, amount="2500.00")

    # then it fails for every reason, each with a message
    assert check.result == "fail"
    assert [reason["code"] for reason in check.reasons] == [
        "on_hold", "over_limit", "grade_e", "overdue_amount", "overdue_age",
    ]  # fmt: skip
    messages = {reason["code"]: reason["message"] for reason in check.reasons}
    assert "Bounced cheque" in messages["on_hold"]
    assert "2000.00" in messages["overdue_amount"]
    assert "61 days" in messages["overdue_age"]


def test_overdue_within_the_thresholds_passes(profile, integrator, settings):
    settings.CRM_CREDIT_CHECK_MAX_OVERDUE_AMOUNT = "1000.00"
    settings.CRM_CREDIT_CHECK_MAX_OVERDUE_DAYS = 30
    today = timezone.localdate()
    InvoiceFactory(
        customer=profile.customer, total=Decimal("1000.00"),
        issue_date=today - datetime.timedelta(days=60), due_date=today - datetime.timedelta(days=30),
    )  # fmt: skip
    check, _created = _run(profile, integrator)
    assert check.result == "pass"


def test_asking_again_returns_the_stored_answer_without_logging_again(profile, integrator):
    # given an answered check
    first, _created = _run(profile, integrator)
    # and the position changes afterwards
    CreditProfile.objects.filter(pk=profile.pk).update(credit_limit=Decimal("0.00"))

    # when the same order is checked again
    again, created = _run(profile, integrator)

    # then the stored answer comes back and nothing new is logged
    assert created is False
    assert again.pk == first.pk
    assert again.result == "pass"
    assert CreditCheck.objects.count() == 1


def test_the_same_reference_with_another_amount_is_a_conflict(profile, integrator):
    _run(profile, integrator, amount="500.00")
    with pytest.raises(Conflict) as error:
        _run(profile, integrator, amount="700.00")
    assert error.value.code == "order_reference_reused"
    assert CreditCheck.objects.count() == 1


def test_an_unknown_customer_or_one_of_another_rep_is_not_found(profile):
    rep = UserFactory(roles=[roles.SALES_REP])
    with pytest.raises(NotFound):
        credit_check_run(
            customer_id=999_999, order_amount="1.00", currency="USD", order_reference="X",
            user=UserFactory(roles=[roles.INTEGRATOR]),
        )  # fmt: skip
    with pytest.raises(NotFound) as error:
        _run(profile, rep)
    assert "customer" in error.value.message
    assert CreditCheck.objects.count() == 0


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [
        ("-5.00", "USD", "order_amount"),
        ("0", "USD", "order_amount"),
        ("abc", "USD", "order_amount"),
        ("NaN", "USD", "order_amount"),
        ("100.00", "EUR", "currency"),
        ("100.00", "", "currency"),
    ],
)
def test_bad_amounts_and_other_currencies_are_refused(profile, integrator, amount, currency, field):
    with pytest.raises(ValidationFailed) as error:
        _run(profile, integrator, amount=amount, currency=currency)
    assert field in error.value.extra["fields"]
    assert CreditCheck.objects.count() == 0


def test_a_customer_without_a_profile_gets_one_and_is_checked_against_the_default(
    integrator, settings
):
    settings.CRM_DEFAULT_CREDIT_LIMIT = "100"
    customer = CustomerFactory(currency="EUR")
    check, _created = credit_check_run(
        customer_id=customer.pk, order_amount="150.00", currency="EUR", order_reference="A",
        user=integrator,
    )  # fmt: skip
    assert check.credit_limit == Decimal("100.00")
    assert [reason["code"] for reason in check.reasons] == ["over_limit"]


def test_a_hidden_customer_without_a_profile_gets_none_from_a_refused_check():
    # given another rep's customer that has no credit profile yet
    rep = UserFactory(roles=[roles.SALES_REP])
    hidden = CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))

    # when the rep checks an order for it
    with pytest.raises(NotFound):
        credit_check_run(
            customer_id=hidden.pk,
            order_amount="1.00",
            currency="USD",
            order_reference="X",
            user=rep,
        )

    # then nothing was written for it
    assert CreditProfile.objects.filter(customer=hidden).count() == 0
    assert CreditCheck.objects.count() == 0
