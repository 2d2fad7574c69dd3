import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import roles
from receivables.models import Dispute, Invoice
from receivables.services import allocation_create, dispute_open
from tests.crm.api.support import assert_error, grant
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import DisputeFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

LIST = reverse("dispute-list")


def _resolve_url(dispute: Dispute) -> str:
    return reverse("dispute-resolve", args=[dispute.pk])


def _assert_no_dispute(invoice: Invoice) -> None:
    invoice.refresh_from_db()
    assert Dispute.objects.count() == 0
    assert invoice.is_disputed is False


def _state(dispute: Dispute) -> tuple:
    dispute.refresh_from_db()
    dispute.invoice.refresh_from_db()
    return (dispute.status, dispute.resolution, dispute.resolved_on, dispute.invoice.is_disputed)


def test_unauthenticated_is_refused(api_client):
    # given an open invoice and an open dispute on another
    invoice = InvoiceFactory()
    dispute = dispute_open(invoice=InvoiceFactory(), reason="Wrong price")
    before = _state(dispute)

    # when nobody logged in lists, opens or resolves
    listed = api_client.get(LIST)
    opened = api_client.post(LIST, {"invoice": invoice.pk, "reason": "x"}, format="json")
    resolved = api_client.post(_resolve_url(dispute), {"resolution": "x"}, format="json")

    # then all are refused and nothing was written
    for response in (listed, opened, resolved):
        assert_error(response, 401, "not_authenticated")
    assert Dispute.objects.count() == 1
    assert _state(dispute) == before


def test_a_wrong_role_cannot_open_or_resolve(client_for):
    # given a credit manager (who may read disputes only)
    client, _ = client_for(roles.CREDIT_MANAGER)
    invoice = InvoiceFactory()
    dispute = dispute_open(invoice=InvoiceFactory(), reason="Wrong price")
    before = _state(dispute)

    # when they open and resolve disputes
    opened = client.post(LIST, {"invoice": invoice.pk, "reason": "x"}, format="json")
    resolved = client.post(_resolve_url(dispute), {"resolution": "x"}, format="json")

    # then both are refused and nothing was written
    assert "receivables.add_dispute" in assert_error(opened, 403, "permission_denied")["message"]
    assert "change_dispute" in assert_error(resolved, 403, "permission_denied")["message"]
    assert Dispute.objects.count() == 1
    assert _state(dispute) == before


def test_a_clerk_opens_a_dispute(client_for):
    # given an open invoice
    client, clerk = client_for(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()

    # when a dispute is opened on it
    response = client.post(
        LIST,
        {"invoice": invoice.pk, "reason": "Quantity short", "opened_on": "2026-11-02"},
        format="json",
    )

    # then it is open, by the clerk, and the invoice is flagged but still owed
    assert response.status_code == 201, response.content
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.opened_on, dispute.opened_by) == (
        "open",
        datetime.date(2026, 11, 2),
        clerk,
    )
    invoice.refresh_from_db()
    assert (invoice.is_disputed, invoice.open_amount) == (True, Decimal("1000.00"))
    body = response.json()
    assert (body["invoice"], body["customer"], body["status"]) == (
        invoice.pk,
        invoice.customer_id,
        "open",
    )


def test_a_dispute_on_a_settled_invoice_is_a_conflict(client_for):
    # given an invoice paid in full
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer)
    payment = PaymentFactory(customer=customer, amount=Decimal("1000.00"))
    allocation_create(payment=payment, invoice=invoice, amount=Decimal("1000.00"))

    # when a dispute is opened on it
    response = client.post(LIST, {"invoice": invoice.pk, "reason": "Late"}, format="json")

    # then it is a 409 and nothing was written
    assert_error(response, 409, "invoice_settled")
    _assert_no_dispute(invoice)


def test_a_second_open_dispute_is_a_conflict(client_for):
    # given an invoice with an open dispute
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()
    first = dispute_open(invoice=invoice, reason="Wrong price")

    # when another is opened
    response = client.post(LIST, {"invoice": invoice.pk, "reason": "Also late"}, format="json")

    # then it is a 409 and only the first exists
    assert_error(response, 409, "dispute_already_open")
    assert list(Dispute.objects.all()) == [first]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"invoice": "x"}, "invoice"),
        ({"opened_on": "1.2."}, "opened_on"),
    ],
)
def test_bad_input_opens_nothing(client_for, body, field):
    # given an open invoice
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()

    # when the dispute is malformed
    response = client.post(LIST, {"invoice": invoice.pk, "reason": "x", **body}, format="json")

    # then it is a field error and nothing was written
    assert_error(response, 400, "invalid", field=field)
    _assert_no_dispute(invoice)


def test_resolve_lifts_the_flag(client_for):
    # given an open dispute
    client, _ = client_for(roles.FINANCE_ADMIN)
    dispute = dispute_open(invoice=InvoiceFactory(), reason="Wrong price")

    # when it is resolved
    response = client.post(
        _resolve_url(dispute), {"resolution": "Credit note CN-7 issued"}, format="json"
    )

    # then it is resolved today and dunning may resume on the invoice
    assert response.status_code == 200, response.content
    assert _state(dispute) == ("resolved", "Credit note CN-7 issued", timezone.localdate(), False)
    assert response.json()["status"] == "resolved"


def test_resolving_twice_is_a_conflict_and_changes_nothing(client_for):
    # given a resolved dispute
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    dispute = dispute_open(invoice=InvoiceFactory(), reason="Wrong price")
    first = client.post(
        _resolve_url(dispute), {"resolution": "Agreed", "resolved_on": "2026-11-20"}, format="json"
    )
    assert first.status_code == 200, first.content
    before = _state(dispute)

    # when it is resolved again
    response = client.post(_resolve_url(dispute), {"resolution": "Again"}, format="json")

    # then it is a 409 and the first resolution stays
    assert_error(response, 409, "dispute_already_resolved")
    assert _state(dispute) == before == ("resolved", "Agreed", datetime.date(2026, 11, 20), False)


@pytest.mark.parametrize("body", [{}, {"resolution": ""}, {"resolution": "x" * 256}])
def test_resolve_needs_a_resolution(client_for, body):
    # given an open dispute
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    dispute = dispute_open(invoice=InvoiceFactory(), reason="Wrong price")
    before = _state(dispute)

    # when it is resolved without a usable resolution
    response = client.post(_resolve_url(dispute), body, format="json")

    # then it is a field error and the dispute stays open
    assert_error(response, 400, "invalid", field="resolution")
    assert _state(dispute) == before


def test_sales_rep_sees_and_resolves_only_own_disputes(client_for):
    # given a rep allowed to resolve, a dispute of theirs and one of another rep's
    client, rep = client_for(roles.SALES_REP)
    grant(rep, "change_dispute")
    own = DisputeFactory(invoice=InvoiceFactory(customer=CustomerFactory(sales_rep=rep)))
    other_rep = UserFactory(roles=[roles.SALES_REP])
    other = dispute_open(
        invoice=InvoiceFactory(customer=CustomerFactory(sales_rep=other_rep)), reason="Price"
    )
    before = _state(other)

    # when the rep lists, reads and resolves
    listed = client.get(LIST)
    read_other = client.get(reverse("dispute-detail", args=[other.pk]))
    resolved_other = client.post(_resolve_url(other), {"resolution": "x"}, format="json")

    # then only their own is visible and the other is untouched
    assert [row["id"] for row in listed.json()["results"]] == [own.pk]
    assert_error(read_other, 404, "not_found")
    assert_error(resolved_other, 404, "not_found")
    assert _state(other) == before


def test_list_filters(client_for):
    # given an open and a resolved dispute of two customers
    client, _ = client_for(roles.CREDIT_MANAGER)
    open_one = DisputeFactory(opened_on=datetime.date(2026, 10, 5))
    resolved = DisputeFactory(
        opened_on=datetime.date(2026, 11, 5),
        status="resolved",
        resolved_on=datetime.date(2026, 11, 6),
        resolution="Agreed",
    )

    def ids(query: str) -> list[int]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    # then the filters select
    assert ids("status=open") == [open_one.pk]
    assert ids(f"invoice={resolved.invoice_id}") == [resolved.pk]
    assert ids(f"customer={open_one.invoice.customer_id}") == [open_one.pk]
    assert ids("opened_on_from=2026-11-01") == [resolved.pk]
    assert_error(client.get(f"{LIST}?status=closed"), 400, "invalid")


@pytest.mark.parametrize("rows", [3, 12])
def test_list_query_count_does_not_grow_with_rows(client_for, django_assert_num_queries, rows):
    # given disputes on invoices of several customers
    DisputeFactory.create_batch(rows)
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the list is read: permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        response = client.get(LIST)

    # then every row came back with its customer
    body = response.json()
    assert body["count"] == rows
    assert all(row["customer"] for row in body["results"])
