"""Bad input on every write route: a clear 4xx, never a 500, and nothing written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm import roles
from customers.models import Contact, Customer
from receivables.models import Allocation, Invoice, Payment
from tests.crm.api.support import assert_error
from tests.factories.customers import ContactFactory

pytestmark = pytest.mark.django_db

MODELS = {
    "customer": Customer,
    "contact": Contact,
    "invoice": Invoice,
    "payment": Payment,
    "allocation": Allocation,
}
CREATE = sorted(MODELS)
UPDATE = ["customer", "contact"]
DETAIL = sorted(MODELS)


def _counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in MODELS.items()}


def _requests(basename: str, contact: Contact) -> list[tuple[str, str]]:
    calls = [("post", reverse(f"{basename}-list"))]
    if basename in UPDATE:
        pk = contact.pk if basename == "contact" else contact.customer_id
        calls.append(("patch", reverse(f"{basename}-detail", args=[pk])))
    return calls


@pytest.mark.parametrize("basename", CREATE)
@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ('{"name": ', "application/json", 400, "malformed_request"),
        ("[1, 2, 3]", "application/json", 400, "invalid"),
        ('"just a string"', "application/json", 400, "invalid"),
        ("null", "application/json", 400, "invalid"),
        ('{"total": NaN}', "application/json", 400, "malformed_request"),
        ("\xff\xfe", "application/json", 400, "malformed_request"),
        ("name=x", "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_unparseable_bodies_are_refused_and_nothing_written(
    client_for, basename, body, content_type, status, code
):
    # given a finance admin and a contact (so detail routes exist)
    client, _ = client_for(roles.FINANCE_ADMIN)
    contact = ContactFactory()
    before = _counts()

    for method, url in _requests(basename, contact):
        # when the body cannot be used
        response = getattr(client, method)(url, body, content_type=content_type)

        # then it is refused with the error body and nothing was written
        assert_error(response, status, code)
    assert _counts() == before


@pytest.mark.parametrize("basename", DETAIL)
@pytest.mark.parametrize("pk", ["0", "-1", "abc", "99999999999999999999999", "1e3", "%00"])
def test_unknown_or_malformed_ids_are_404(client_for, basename, pk):
    # given a finance admin
    client, _ = client_for(roles.FINANCE_ADMIN)

    # when a row is asked for by an id that cannot exist
    response = client.get(f"/api/v1/{basename}s/{pk}/")

    # then it is a 404 with the error body
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("basename", DETAIL)
def test_options_describes_the_route_without_error(client_for, basename):
    # given a reader and a contact (so every detail route has a row)
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    contact = ContactFactory()
    detail_pk = {"customer": contact.customer_id, "contact": contact.pk}.get(basename, 1)

    # when the list and a detail route are asked for their options
    listed = client.options(reverse(f"{basename}-list"))
    detail = client.options(reverse(f"{basename}-detail", args=[detail_pk]))

    # then both answer (a missing row is a 404, never a 500)
    assert listed.status_code == 200
    assert detail.status_code in (200, 404)
