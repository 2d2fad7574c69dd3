"""A generated portfolio shows the behaviour the product has to handle."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Count, F, Q, Sum

from credit.models import CreditProfile
from customers.models import Contact, Customer
from receivables.models import Allocation, CreditNote, Dispute, Invoice, Payment, WriteOff

pytestmark = pytest.mark.django_db

_BUCKETS = ((0, "current"), (30, "1-30"), (60, "31-60"), (90, "61-90"), (120, "91-120"))


def _bucket(days_past_due: int) -> str:
    for upper, name in _BUCKETS:
        if days_past_due <= upper:
            return name
    return "120+"


def test_every_aging_bucket_has_open_invoices(portfolio):
    # given a generated portfolio
    open_invoices = Invoice.objects.filter(open_amount__gt=0).values_list("due_date", flat=True)
    # when open invoices are aged on the as-of day
    buckets = Counter(_bucket((portfolio - due).days) for due in open_invoices)
    # then every bucket, 120+ included, has some
    assert set(buckets) == {"current", "1-30", "31-60", "61-90", "91-120", "120+"}


def test_invoices_not_yet_due_are_mostly_open(portfolio):
    # given invoices whose due date has not come yet
    not_due = Invoice.objects.filter(due_date__gte=portfolio).exclude(status="void")
    # when their statuses are counted
    still_open = not_due.filter(status="open").count()
    # then most are still open
    assert still_open >= 0.7 * not_due.count()


def test_there_are_partial_payments_and_payments_covering_several_invoices(portfolio):
    # given a generated portfolio
    # when allocations are grouped by invoice and by payment
    paid_in_parts = Invoice.objects.annotate(n=Count("allocations")).filter(n__gte=2)
    covering_several = Payment.objects.annotate(n=Count("allocations")).filter(n__gte=2)
    # then both patterns occur, and some invoices are still partially paid
    assert paid_in_parts.exists()
    assert covering_several.exists()
    assert Invoice.objects.filter(status="partially_paid", amount_paid__gt=0).exists()


def test_some_payments_leave_cash_on_account_and_some_bounce(portfolio):
    # given a generated portfolio
    # when payments are inspected
    on_account = Payment.objects.filter(status="received", amount_allocated__lt=F("amount"))
    bounced = Payment.objects.filter(status="bounced")
    # then both kinds exist, and a bounced payment has no allocations
    assert on_account.exists()
    assert bounced.exists()
    assert not Allocation.objects.filter(payment__status="bounced").exists()


def test_credit_notes_write_offs_disputes_and_voids_occur(portfolio):
    # given a generated portfolio
    # when adjustments are counted
    # then there are credit notes on invoices and on account, write-offs with a
    # reason, open and resolved disputes, and a few void invoices
    assert CreditNote.objects.filter(invoice__isnull=False).exists()
    assert CreditNote.objects.filter(invoice__isnull=True).exists()
    assert WriteOff.objects.exclude(reason="").exists()
    assert Dispute.objects.filter(status="open").exists()
    assert Dispute.objects.filter(status="resolved").exists()
    assert Invoice.objects.filter(is_disputed=True).exists()
    voids = Invoice.objects.filter(status="void").count()
    assert 0 < voids < 0.02 * Invoice.objects.count()


def test_customers_that_defaulted_pay_later_than_the_rest(portfolio):
    # given the amount-weighted days late of every customer's paid invoices
    late = defaultdict(lambda: [Decimal(0), Decimal(0)])
    paid = Invoice.objects.filter(status="paid").values_list(
        "customer_id", "total", "due_date", "paid_date"
    )
    for customer_id, total, due, paid_on in paid:
        late[customer_id][0] += total * max(0, (paid_on - due).days)
        late[customer_id][1] += total
    written_off = set(WriteOff.objects.values_list("invoice__customer_id", flat=True))

    # when customers with write-offs are compared with the others
    def average(ids):
        weighted = [late[i][0] / late[i][1] for i in ids if late[i][1]]
        return sum(weighted) / len(weighted)

    # then the hidden propensity shows: those who defaulted also pay later
    others = set(late) - written_off
    assert average(written_off) > 2 * average(others)


def test_customers_are_varied(portfolio):
    # given a generated portfolio
    customers = Customer.objects.all()
    # when their attributes are counted
    currencies = set(customers.values_list("currency", flat=True))
    chinese = customers.filter(region="greater_china", language="zh-hans")
    years = {since.year for since in customers.values_list("customer_since", flat=True)}
    # then they span currencies, languages, regions, years and statuses
    assert {"USD", "EUR", "GBP", "CNY"} <= currencies
    assert chinese.exists()
    assert all(
        re.search(r"[\u4e00-\u9fff]", name) for name in chinese.values_list("name", flat=True)
    )
    assert customers.values("region").distinct().count() == 6
    assert len(years) >= 4
    assert customers.filter(status="inactive").exists()
    assert set(customers.values_list("payment_terms_days", flat=True)) == {14, 30, 45, 60}


def test_some_customers_have_no_billing_email(portfolio):
    # given a generated portfolio
    billing = Contact.objects.filter(is_billing=True).values("customer")
    # when customers without a billing contact are counted
    without = Customer.objects.exclude(pk__in=billing).count()
    # then a few (about 3%) have none, and every customer has a contact
    assert 0 < without < 0.1 * Customer.objects.count()
    assert not Customer.objects.filter(contacts__isnull=True).exists()


def test_credit_limits_are_exceeded_by_some_and_holds_exist(portfolio):
    # given each customer's exposure and limit
    exposure = dict(
        Invoice.objects.filter(open_amount__gt=0)
        .values("customer_id")
        .annotate(s=Sum("open_amount"))
        .values_list("customer_id", "s")
    )
    limits = dict(CreditProfile.objects.values_list("customer_id", "credit_limit"))
    # when exposure is compared with the limit
    over = [c for c, limit in limits.items() if exposure.get(c, 0) > limit]
    # then some customers are over their limit, and a few are on hold with a reason
    assert over
    assert 0 < len(over) < 0.5 * len(limits)
    on_hold = CreditProfile.objects.filter(is_on_hold=True)
    assert on_hold.exists()
    assert not on_hold.filter(Q(hold_reason="") | Q(hold_since__isnull=True)).exists()


def test_margins_are_between_ten_and_forty_five_percent(portfolio):
    # given every invoice's total and cost of goods
    rows = Invoice.objects.values_list("total", "cost_of_goods")
    # when margins are computed
    margins = [(total - cost) / total for total, cost in rows]
    # then they lie within 10-45% (give or take rounding)
    assert min(margins) >= Decimal("0.099")
    assert max(margins) <= Decimal("0.451")


def test_the_first_sales_rep_is_the_sales_demo_login(portfolio):
    # given a generated portfolio
    # when customers are grouped by rep
    by_rep = Counter(Customer.objects.values_list("sales_rep__username", flat=True))
    # then "sales" owns customers, and the reps are sales, sales02, ...
    assert by_rep["sales"] > 0
    assert set(by_rep) <= {"sales"} | {f"sales{n:02d}" for n in range(2, 201)}
