import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from crm import roles
from crm.exceptions import ValidationFailed
from receivables.aging import aging_buckets, aging_report
from receivables.models import Invoice
from receivables.services import allocation_create, credit_note_create, write_off_create
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

# Today: the maintained balances and the settlements the services date today agree with it.
AS_OF = timezone.localdate()


def _invoice(customer, days_past_due, total):
    due = AS_OF - datetime.timedelta(days=days_past_due)
    return InvoiceFactory(
        customer=customer,
        total=Decimal(total),
        issue_date=due - datetime.timedelta(days=30),
        due_date=due,
    )


def test_buckets_follow_the_edges_setting(settings):
    settings.CRM_AGING_BUCKET_EDGES = (15, 45)
    assert [b.label for b in aging_buckets()] == ["Current", "1–15", "16–45", "45+"]


def test_each_invoice_lands_in_its_bucket_at_the_edges():
    # given: one invoice on each side of every edge
    admin = UserFactory(is_superuser=True)
    customer = CustomerFactory()
    for days, total in [(0, "1"), (1, "2"), (30, "4"), (31, "8"), (60, "16"), (61, "32"),
                        (90, "64"), (91, "128"), (120, "256"), (121, "512"), (-5, "1024")]:  # fmt: skip
        _invoice(customer, days, total)
    # when
    report = aging_report(user=admin, as_of=AS_OF, group_by="customer")
    # then
    row = report.rows[0]
    assert row.buckets == {
        "current": Decimal("1025.00"),
        "d1_30": Decimal("6.00"),
        "d31_60": Decimal("24.00"),
        "d61_90": Decimal("96.00"),
        "d91_120": Decimal("384.00"),
        "d121_plus": Decimal("512.00"),
    }
    assert row.total == Decimal("2047.00")
    assert row.overdue == Decimal("1022.00")


def test_totals_reconcile_to_the_sum_of_open_invoices_to_the_cent():
    # given: a mix of partly paid, credited and written-off invoices in two currencies
    admin = UserFactory(is_superuser=True)
    for index in range(12):
        customer = CustomerFactory(currency="EUR" if index % 3 == 0 else "USD")
        invoice = _invoice(customer, index * 13 - 20, f"{1000 + index}.{index:02d}")
        if index % 2:
            payment = PaymentFactory(customer=customer, amount=Decimal("333.33"))
            allocation_create(payment=payment, invoice=invoice, amount="333.33")
        if index % 4 == 1:
            credit_note_create(
                customer=customer, invoice=invoice, number=f"CN{index}", amount="10.01", reason="x"
            )
        if index % 5 == 2:
            write_off_create(invoice=invoice, amount="0.07", reason="rounding", user=admin)
    # when
    report = aging_report(user=admin, as_of=AS_OF, group_by="region")
    # then
    for currency, totals in report.totals.items():
        expected = Invoice.objects.filter(currency=currency, open_amount__gt=0).aggregate(
            s=Sum("open_amount")
        )["s"]
        assert totals.total == expected
        assert sum(totals.buckets.values()) == expected
        assert sum(r.total for r in report.rows if r.currency == currency) == expected


def test_a_past_as_of_date_rebuilds_open_amounts_from_dated_settlements():
    # given: an invoice paid after the as-of date
    admin = UserFactory(is_superuser=True)
    customer = CustomerFactory()
    invoice = _invoice(customer, 40, "500.00")
    payment = PaymentFactory(customer=customer, amount=Decimal("500.00"))
    allocation_create(payment=payment, invoice=invoice, amount="500.00", allocated_on=AS_OF)
    # when
    before = aging_report(user=admin, as_of=AS_OF - datetime.timedelta(days=1))
    today = aging_report(user=admin)
    # then
    assert before.totals["USD"].buckets["d31_60"] == Decimal("500.00")
    assert today.totals == {}


def test_a_sales_rep_ages_only_their_own_customers():
    rep = UserFactory(roles=[roles.SALES_REP])
    _invoice(CustomerFactory(sales_rep=rep), 10, "100.00")
    _invoice(CustomerFactory(), 10, "900.00")
    report = aging_report(user=rep, as_of=AS_OF)
    assert report.totals["USD"].total == Decimal("100.00")


def test_unknown_grouping_is_refused():
    with pytest.raises(ValidationFailed) as error:
        aging_report(user=UserFactory(is_superuser=True), group_by="planet")
    assert error.value.code == "unknown_grouping"


def test_rows_page_is_ordered_by_overdue_and_counts_all_groups():
    admin = UserFactory(is_superuser=True)
    customers = [CustomerFactory() for _ in range(3)]
    for index, customer in enumerate(customers):
        _invoice(customer, 10, f"{(index + 1) * 100}")
    report = aging_report(user=admin, as_of=AS_OF, group_by="customer", limit=2)
    assert report.row_count == 3
    assert [r.group["customer_id"] for r in report.rows] == [customers[2].pk, customers[1].pk]


def test_maintained_balances_and_the_invoice_aggregate_agree(monkeypatch):
    # given: a ledger changed through every service that moves an open amount
    from receivables import aging
    from receivables.services import invoice_void, payment_apply_oldest_first

    admin = UserFactory(is_superuser=True)
    today = datetime.date.today()  # noqa: DTZ011 - the maintained path is today's
    for index in range(6):
        customer = CustomerFactory(
            currency="EUR" if index % 2 else "USD", region="europe" if index % 3 else "asia_pacific"
        )
        invoices = [
            InvoiceFactory(customer=customer, total=Decimal(f"{100 + 37 * k}.{k}5"),
                           issue_date=today - datetime.timedelta(days=20 * k + 40),
                           due_date=today - datetime.timedelta(days=20 * k + 10 - index))
            for k in range(5)
        ]  # fmt: skip
        payment_apply_oldest_first(
            payment=PaymentFactory(customer=customer, amount=Decimal("180.00"))
        )
        credit_note_create(
            customer=customer, invoice=invoices[3], number=f"CN-{index}", amount="5.55", reason="x"
        )
        write_off_create(invoice=invoices[4], amount="1.01", reason="small", user=admin)
        invoice_void(invoice=InvoiceFactory(customer=customer), reason="duplicate")
    # when: the balances maintained by the services (no rebuild in between) ...
    monkeypatch.setattr(aging, "balances_are_fresh", lambda **kwargs: True)
    from_balances = {
        g: aging_report(user=admin, group_by=g) for g in ("customer", "region", "portfolio")
    }
    # ... against the aggregate of the invoices
    monkeypatch.setattr(aging, "balances_are_fresh", lambda **kwargs: False)
    from_invoices = {
        g: aging_report(user=admin, group_by=g) for g in ("customer", "region", "portfolio")
    }
    # then
    for group_by in from_balances:
        assert from_balances[group_by].totals == from_invoices[group_by].totals
        assert from_balances[group_by].rows == from_invoices[group_by].rows


def test_invoices_loaded_without_balances_are_still_aged():
    from receivables.models import BalanceSnapshot, CustomerBalance

    admin = UserFactory(is_superuser=True)
    _invoice(CustomerFactory(), 10, "250.00")
    CustomerBalance.objects.all().delete()  # as after a bulk load outside the services
    BalanceSnapshot.objects.all().delete()
    assert aging_report(user=admin).totals["USD"].total == Decimal("250.00")


def test_today_reads_balances_only_after_a_complete_rebuild_for_today():
    from receivables.services.balances import balances_are_fresh, customer_balances_refresh

    _invoice(CustomerFactory(), 10, "250.00")
    assert balances_are_fresh() is False
    customer_balances_refresh(customer_ids=[])  # a partial rebuild proves nothing
    assert balances_are_fresh() is False
    customer_balances_refresh()
    assert balances_are_fresh() is True
    assert balances_are_fresh(as_of=datetime.date(2020, 1, 1)) is False


def test_portfolio_rows_are_paged_like_the_others():
    admin = UserFactory(is_superuser=True)
    _invoice(CustomerFactory(currency="USD"), 10, "10.00")
    _invoice(CustomerFactory(currency="EUR"), 10, "20.00")
    first = aging_report(user=admin, as_of=AS_OF, group_by="currency", limit=1)
    second = aging_report(user=admin, as_of=AS_OF, group_by="currency", limit=1, offset=1)
    assert first.row_count == second.row_count == 2
    assert [r.currency for r in first.rows + second.rows] == ["EUR", "USD"]


def test_a_rebuild_updates_the_rows_in_place_and_drops_those_with_nothing_open():
    from receivables.models import CustomerBalance
    from receivables.services.balances import customer_balances_refresh

    # given a customer who owes in dollars, and a row left for euros with nothing open
    customer = CustomerFactory()
    _invoice(customer, 10, "250.00")
    customer_balances_refresh()
    kept = CustomerBalance.objects.get(customer=customer, currency="USD")
    CustomerBalance.objects.filter(pk=kept.pk).update(open_total=Decimal("1.00"))
    CustomerBalance.objects.create(customer=customer, currency="EUR", as_of=AS_OF, edges="")

    # when the balances are rebuilt
    written = customer_balances_refresh()

    # then the dollar row is the same row, rebuilt; the euro row is gone
    assert written == 1
    [row] = CustomerBalance.objects.filter(customer=customer)
    assert row.pk == kept.pk
    assert (row.currency, row.open_total) == ("USD", Decimal("250.00"))
