import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import roles
from customers.models import Region, Tier
from receivables.collections.priority import (
    ESCALATION_AGENCY,
    ESCALATION_BOUNCED,
    ESCALATION_COLLECTOR_TASK,
    ESCALATION_NO_ADDRESS,
    WorklistFilters,
    worklist_page,
)
from receivables.collections.reasons import worklist_reasons
from receivables.collections.services import (
    collection_activity_log,
    collection_case_claim,
    collection_case_follow_up_set,
)
from receivables.models import ActivityKind, DunningLevel, DunningNoticeStatus
from tests.factories.accounts import UserFactory
from tests.receivables.collections.helpers import (
    broken_promise,
    notice,
    overdue_customer,
    overdue_invoice,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return UserFactory(roles=[roles.COLLECTIONS_CLERK])


@pytest.fixture
def portfolio():
    """a: 10,000 x 8% x 1.5 (74 days) = 1,200; b: 20,000 x 5% (default) = 1,000;
    c: 5,000 x 20% x 1.25 (40 days) x 1.25 (broken promise) = 1,562.50; d: not due."""
    a = overdue_customer(days=74, total="10000.00", pd="0.0800", grade="C", name="Alpha")
    b = overdue_customer(days=10, total="20000.00", name="Bravo")
    c = overdue_customer(days=40, total="5000.00", pd="0.2000", grade="D", name="Charlie")
    broken_promise(c)
    d = overdue_customer(days=-5, total="90000.00", pd="0.5000", grade="E", name="Delta")
    return a, b, c, d


def _names(rows):
    return [row.customer.name for row in rows]


def test_queue_is_ordered_by_boosted_expected_loss_and_says_why(clerk, portfolio):
    # when
    rows, has_next = worklist_page(user=clerk, today=today())

    # then
    assert _names(rows) == ["Charlie", "Alpha", "Bravo"]
    assert has_next is False
    charlie, alpha, bravo = rows
    assert charlie.priority == Decimal("1562.50")
    assert alpha.priority == Decimal("1200.00")
    assert bravo.priority == Decimal("1000.00")
    assert alpha.expected_loss == Decimal("800.00")
    assert worklist_reasons(charlie) == [
        "5,000.00 USD overdue × PD 20% (grade D)",
        "40 days past due ×1.25",
        "1 broken promise ×1.25",
    ]
    assert worklist_reasons(alpha) == [
        "10,000.00 USD overdue × PD 8% (grade C)",
        "74 days past due ×1.5",
    ]
    assert worklist_reasons(bravo) == [
        "20,000.00 USD overdue × PD 5% (not graded, default)",
        "10 days past due",
    ]
    assert bravo.pd_is_default is True


def test_default_pd_and_boosts_come_from_settings(clerk, portfolio, settings):
    # given
    settings.CRM_WORKLIST_DEFAULT_PD = "0.1000"
    settings.CRM_WORKLIST_BUCKET_BOOSTS = "1,1,1"
    settings.CRM_WORKLIST_BROKEN_PROMISE_BOOST = "1"

    # when
    rows, _ = worklist_page(user=clerk, today=today())

    # then: no boosts, b at 10% default PD leads
    assert [(row.customer.name, row.priority) for row in rows] == [
        ("Bravo", Decimal("2000.00")),
        ("Charlie", Decimal("1000.00")),
        ("Alpha", Decimal("800.00")),
    ]


def test_old_broken_promises_do_not_boost(clerk, settings):
    # given: a promise broken 100 days ago, outside the 90-day window
    customer = overdue_customer(days=10, total="1000.00", pd="0.1000", grade="B")
    broken_promise(customer, days_ago=100)

    # when
    rows, _ = worklist_page(user=clerk, today=today())

    # then
    assert rows[0].broken_promises == 0
    assert rows[0].priority == Decimal("100.00")


@pytest.mark.parametrize(
    ("status", "flags", "kind", "reason"),
    [
        (
            DunningNoticeStatus.BOUNCED,
            {},
            ESCALATION_BOUNCED,
            "Level 1 reminder of {date} bounced: check the billing address",
        ),
        (
            DunningNoticeStatus.NO_ADDRESS,
            {},
            ESCALATION_NO_ADDRESS,
            "Level 1 reminder of {date} not sent: no billing email address",
        ),
        (
            DunningNoticeStatus.SENT,
            {"create_collector_task": True},
            ESCALATION_COLLECTOR_TASK,
            "Level 1 reminder sent on {date}: needs a collector",
        ),
        (
            DunningNoticeStatus.SENT,
            {"flag_for_agency": True},
            ESCALATION_AGENCY,
            "Level 1 reminder sent on {date}: flagged for the agency",
        ),
    ],
)
def test_escalated_notice_puts_customer_first_until_a_clerk_acts(
    clerk, portfolio, status, flags, kind, reason
):
    # given: a small overdue customer whose reminder needs a clerk
    small = overdue_customer(days=3, total="10.00", pd="0.0100", grade="A", name="Small")
    level = DunningLevel.objects.filter(policy__is_default_for_tier="normal", position=1).get()
    DunningLevel.objects.filter(pk=level.pk).update(**flags)
    escalated = notice(small, status=status, days_ago=2)

    # when
    rows, _ = worklist_page(user=clerk, today=today())

    # then
    assert _names(rows) == ["Small", "Charlie", "Alpha", "Bravo"]
    assert [(e.kind, e.notice_id) for e in rows[0].escalations] == [(kind, escalated.pk)]
    assert worklist_reasons(rows[0])[0] == reason.format(date=escalated.run_date.isoformat())

    # when: the clerk logs a call
    collection_activity_log(customer=small, kind=ActivityKind.CALL, outcome="Fixed", user=clerk)
    rows, _ = worklist_page(user=clerk, today=today())

    # then: back to its place by expected loss
    assert _names(rows) == ["Charlie", "Alpha", "Bravo", "Small"]
    assert rows[-1].escalations == []


def test_sent_notice_of_a_plain_level_is_no_escalation(clerk):
    # given
    customer = overdue_customer(days=0, total="10.00")
    notice(customer, status=DunningNoticeStatus.SENT)

    # when
    rows, _ = worklist_page(user=clerk, today=today())

    # then: not overdue, no escalation: not in the queue
    assert rows == []


def test_escalated_customer_without_overdue_balance_enters_the_queue(clerk):
    # given: everything is due in the future, but the reminder bounced
    customer = overdue_customer(days=-2, total="300.00", name="Early")
    notice(customer, status=DunningNoticeStatus.BOUNCED)

    # when
    rows, _ = worklist_page(user=clerk, today=today())

    # then
    assert _names(rows) == ["Early"]
    assert rows[0].priority == Decimal("0.00")
    assert rows[0].days_past_due is None


def test_filters(clerk, portfolio):
    # given
    a, b, c, _ = portfolio
    rep = UserFactory(roles=[roles.SALES_REP])
    type(b).objects.filter(pk=b.pk).update(tier=Tier.VIP, region=Region.ASIA_PACIFIC, sales_rep=rep)
    collection_case_claim(customer=a, user=clerk)
    collection_case_follow_up_set(customer=c, follow_up_on=today(), user=clerk)
    other = UserFactory(roles=[roles.COLLECTIONS_CLERK])
    collection_case_claim(customer=c, user=other)

    def names(**filters):
        rows, _ = worklist_page(user=clerk, today=today(), filters=WorklistFilters(**filters))
        return _names(rows)

    # then
    assert names(assigned_to_me=True) == ["Alpha"]
    assert names(unassigned=True) == ["Bravo"]
    assert names(tier=Tier.VIP) == ["Bravo"]
    assert names(region=Region.ASIA_PACIFIC) == ["Bravo"]
    assert names(sales_rep_id=rep.pk) == ["Bravo"]
    assert names(bucket=3) == ["Alpha"]
    assert names(bucket=2) == ["Charlie"]
    assert names(bucket=1) == ["Bravo"]
    assert names(follow_up_due=True) == ["Charlie"]


def test_follow_up_in_the_future_is_not_due(clerk, portfolio):
    a, *_ = portfolio
    collection_case_follow_up_set(
        customer=a, follow_up_on=today() + datetime.timedelta(days=1), user=clerk
    )
    rows, _ = worklist_page(user=clerk, today=today(), filters=WorklistFilters(follow_up_due=True))
    assert rows == []


def test_sales_rep_sees_only_own_customers(portfolio):
    # given
    b = portfolio[1]
    rep = UserFactory(roles=[roles.SALES_REP])
    type(b).objects.filter(pk=b.pk).update(sales_rep=rep)

    # when
    rows, _ = worklist_page(user=rep, today=today())

    # then
    assert _names(rows) == ["Bravo"]


def test_rows_are_per_currency_and_pages_follow_each_other(clerk):
    # given: one customer owing in two currencies, and a third row
    customer = overdue_customer(days=10, total="1000.00", pd="0.1000", grade="B", name="Two")
    from tests.factories.receivables import InvoiceFactory

    InvoiceFactory(
        customer=customer,
        currency="EUR",
        total=Decimal("500.00"),
        issue_date=today() - datetime.timedelta(days=60),
        due_date=today() - datetime.timedelta(days=30),
    )
    overdue_customer(days=5, total="100.00", pd="0.1000", grade="B", name="One")

    # when
    first, more = worklist_page(user=clerk, today=today(), page_size=2)
    second, last = worklist_page(user=clerk, today=today(), page=2, page_size=2)

    # then
    assert [(r.customer.name, r.balance.currency, r.priority) for r in first] == [
        ("Two", "USD", Decimal("100.00")),
        ("Two", "EUR", Decimal("50.00")),
    ]
    assert more is True
    assert [(r.customer.name, r.priority) for r in second] == [("One", Decimal("10.00"))]
    assert last is False


def test_page_costs_a_fixed_number_of_queries(clerk, django_assert_num_queries):
    # given
    for index in range(6):
        customer = overdue_customer(days=10 + index, total="100.00", pd="0.1000", grade="B")
        broken_promise(customer)
        overdue_invoice(customer, days=3, total="50.00")
        notice(customer, status=DunningNoticeStatus.BOUNCED)
    clerk = type(clerk).objects.get(pk=clerk.pk)

    # when / then: roles, ranking (escalated, sample, others), rows shown, oldest
    # invoices, broken promises, escalations
    with django_assert_num_queries(8):
        rows, _ = worklist_page(user=clerk, today=today())
        [worklist_reasons(row) for row in rows]
        [row.case for row in rows]
    assert len(rows) == 6


def test_no_row_reads_every_invoice(clerk, portfolio):
    # the queue itself reads balances only; invoices only for the customers shown
    with CaptureQueriesContext(connection) as queries:
        worklist_page(user=clerk, today=today())
    page_query = queries.captured_queries[1]["sql"]
    assert "receivables_invoice" not in page_query
    assert "receivables_customerbalance" in page_query


def test_pruned_ranking_is_the_full_ranking(clerk, monkeypatch):
    # given: many customers, a small sample, so the overdue floor prunes
    import random

    from receivables.collections import priority

    generator = random.Random(7)
    for index in range(30):
        customer = overdue_customer(
            days=generator.choice([5, 35, 65, 95, 130]),
            total=f"{generator.randint(1, 500) * 10}.00",
            pd=generator.choice(["0.0100", "0.0500", "0.2000", "0.9000"]),
            grade="B",
            name=f"C{index:02d}",
        )
        if index % 7 == 0:
            broken_promise(customer)
    full = [row.balance.pk for row in worklist_page(user=clerk, today=today(), page_size=30)[0]]
    monkeypatch.setattr(priority, "PRUNE_SAMPLE", 4)

    # when: page by page of 3 with the pruning
    pruned = []
    for page in range(1, 11):
        rows, _ = worklist_page(user=clerk, today=today(), page=page, page_size=3)
        pruned += [row.balance.pk for row in rows]

    # then
    assert len(full) == 30
    assert pruned == full
