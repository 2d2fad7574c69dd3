import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from credit.models import CreditHoldEvent, CreditReview, CreditReviewSchedule, ReviewDecision
from credit.selectors import credit_review_queue
from credit.services import (
    credit_review_complete,
    credit_review_schedules_ensure,
    credit_review_schedules_regrade,
)
from credit.services.reviews import review_interval
from crm import roles
from crm.exceptions import Conflict, PermissionDenied, ValidationFailed
from customers.models import Customer
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("grade", "days"), [("A", 365), ("B", 365), ("C", 91), ("D", 30), ("E", 30), ("", 182)]
)
def test_interval_follows_the_grade(grade, days):
    assert review_interval(grade) == datetime.timedelta(days=days)


def test_interval_is_a_setting(settings):
    settings.CRM_CREDIT_REVIEW_DAYS_HIGH_RISK = 14
    assert review_interval("E") == datetime.timedelta(days=14)


def test_schedules_ensure_fills_in_customers_without_one_and_is_idempotent():
    # given one customer with a schedule and two without
    today = timezone.localdate()
    scheduled = CustomerFactory(risk_grade="A")
    CreditReviewSchedule.objects.create(
        customer=scheduled, counted_from=today, next_review_on=today
    )
    CustomerFactory(risk_grade="D")
    CustomerFactory(risk_grade="")

    # when the nightly fill-in runs twice
    created = credit_review_schedules_ensure()
    credit_review_schedules_ensure()

    # then the two got dates by grade; the existing one is untouched
    assert created == 2
    assert sorted(
        (schedule.next_review_on - today).days
        for schedule in CreditReviewSchedule.objects.exclude(customer=scheduled)
    ) == [30, 182]
    assert CreditReviewSchedule.objects.get(customer=scheduled).next_review_on == today


def test_regrade_counts_from_the_last_review():
    today = timezone.localdate()
    customer = CustomerFactory(risk_grade="D")
    CreditReviewSchedule.objects.create(
        customer=customer, counted_from=today - 20 * DAY, next_review_on=today + 345 * DAY
    )
    assert credit_review_schedules_regrade(customer_ids=[customer.pk]) == 1
    assert CreditReviewSchedule.objects.get().next_review_on == today + 10 * DAY


@pytest.fixture
def manager():
    return UserFactory(roles=[roles.CREDIT_MANAGER])


@pytest.fixture
def profile():
    profile = CreditProfileFactory(
        customer=CustomerFactory(risk_grade="C"), credit_limit=Decimal("2000.00")
    )
    InvoiceFactory(customer=profile.customer, total=Decimal("700.00"))
    return profile


def test_completing_a_review_records_it_and_sets_the_next_date(profile, manager):
    # when a credit manager keeps the customer as is
    review = credit_review_complete(
        customer_id=profile.customer_id,
        decision=ReviewDecision.KEEP,
        comment="Pays on time",
        user=manager,
    )

    # then the review keeps the decision, figures at the time, and the next date by grade
    today = timezone.localdate()
    assert (review.decision, review.comment, review.reviewer, review.risk_grade) == (
        "keep", "Pays on time", manager, "C",
    )  # fmt: skip
    assert (review.credit_limit, review.exposure, review.currency) == (
        Decimal("2000.00"), Decimal("700.00"), "USD",
    )  # fmt: skip
    schedule = CreditReviewSchedule.objects.get(customer_id=profile.customer_id)
    assert (schedule.last_reviewed_on, schedule.next_review_on) == (today, today + 91 * DAY)
    assert review.next_review_on == today + 91 * DAY


def test_a_hold_decision_places_the_hold_in_the_same_step(profile, manager):
    credit_review_complete(
        customer_id=profile.customer_id, decision="hold", comment="Grade worsening", user=manager
    )
    profile.refresh_from_db()
    assert (profile.is_on_hold, profile.hold_reason) == (True, "Grade worsening")
    event = CreditHoldEvent.objects.get()
    assert event.actor == manager


def test_a_release_decision_for_a_customer_not_on_hold_records_nothing(profile, manager):
    with pytest.raises(Conflict) as error:
        credit_review_complete(
            customer_id=profile.customer_id, decision="release", comment="Fine", user=manager
        )
    assert error.value.code == "not_on_hold"
    assert CreditReview.objects.count() == 0
    assert CreditReviewSchedule.objects.count() == 0


@pytest.mark.parametrize("role", [roles.SALES_REP, roles.COLLECTIONS_CLERK, roles.INTEGRATOR])
def test_other_roles_may_not_complete_reviews(profile, role):
    with pytest.raises(PermissionDenied):
        credit_review_complete(
            customer_id=profile.customer_id,
            decision="keep",
            comment="x",
            user=UserFactory(roles=[role]),
        )
    assert CreditReview.objects.count() == 0


@pytest.mark.parametrize(
    ("decision", "comment", "field"), [("keep", "  ", "comment"), ("maybe", "x", "decision")]
)
def test_bad_review_input_is_refused(profile, manager, decision, comment, field):
    with pytest.raises(ValidationFailed) as error:
        credit_review_complete(
            customer_id=profile.customer_id, decision=decision, comment=comment, user=manager
        )
    assert field in error.value.extra["fields"]
    assert CreditReview.objects.count() == 0


def test_queue_lists_due_and_overdue_reviews_earliest_first(manager, settings):
    # given reviews overdue, due in 5 days, and due in a month
    settings.CRM_CREDIT_REVIEW_DUE_WITHIN_DAYS = 7
    today = timezone.localdate()
    customers = {}
    for name, offset in (("overdue", -3), ("soon", 5), ("later", 30)):
        customers[name] = CreditProfileFactory(customer=CustomerFactory(name=name)).customer
        CreditReviewSchedule.objects.create(
            customer=customers[name], counted_from=today, next_review_on=today + offset * DAY
        )
    InvoiceFactory(customer=customers["overdue"], total=Decimal("250.00"))

    # when the queue is read
    rows = list(credit_review_queue(user=manager))

    # then it lists the first two, with their exposure
    assert [row.name for row in rows] == ["overdue", "soon"]
    assert rows[0].queue_exposure == Decimal("250.00")
    assert Customer.objects.count() == 3


def test_a_customer_without_a_credit_profile_can_be_queued_reviewed_and_opened(client, manager):
    # given a bulk-loaded customer that never got a credit profile
    from credit.models import CreditProfile

    customer = CustomerFactory()
    CreditProfile.objects.filter(customer=customer).delete()
    # when the nightly schedules run, and a credit manager reviews it and opens its page
    credit_review_schedules_ensure()
    later = timezone.localdate() + datetime.timedelta(days=400)
    queued = [row.pk for row in credit_review_queue(user=manager, as_of=later)]
    review = credit_review_complete(
        customer_id=customer.pk, decision=ReviewDecision.KEEP, comment="ok", user=manager
    )
    client.force_login(manager)
    page = client.get(f"/credit/customers/{customer.pk}/")
    # then it has the default profile, the review is recorded and the page opens
    assert queued == [customer.pk]
    assert CreditProfile.objects.filter(customer=customer).exists()
    assert review.decision == ReviewDecision.KEEP
    assert page.status_code == 200


def test_the_page_of_a_customer_without_a_profile_creates_it_only_when_visible(client):
    # given another rep's customer without a profile
    from credit.models import CreditProfile

    other = CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))
    CreditProfile.objects.filter(customer=other).delete()
    client.force_login(UserFactory(roles=[roles.SALES_REP]))
    # when / then: a 404, and nothing written for a customer the user cannot see
    assert client.get(f"/credit/customers/{other.pk}/").status_code == 404
    assert not CreditProfile.objects.filter(customer=other).exists()
