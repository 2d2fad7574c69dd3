"""Planning a run's chunks: consecutive runs of ``chunk_size`` customer ids, whatever the gaps."""

import pytest

from analytics.services.pipeline import _chunk_ranges
from customers.models import Customer
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def _reference(ids: list[int], size: int) -> list[tuple[int, int, int]]:
    groups = [ids[start : start + size] for start in range(0, len(ids), size)]
    return [(group[0], group[-1], len(group)) for group in groups]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8])
def test_chunks_cover_every_customer_in_order_with_gaps_in_the_ids(size):
    # given seven customers, three of them deleted, so the ids have gaps
    customers = [CustomerFactory() for _ in range(10)]
    Customer.objects.filter(pk__in=[customers[1].pk, customers[4].pk, customers[5].pk]).delete()
    ids = sorted(Customer.objects.values_list("pk", flat=True))

    # when / then
    assert list(_chunk_ranges(size, None)) == _reference(ids, size)


def test_a_run_up_to_a_customer_stops_there():
    customers = [CustomerFactory() for _ in range(6)]
    ids = [customer.pk for customer in customers]

    assert list(_chunk_ranges(2, ids[3])) == _reference(ids[:4], 2)
    assert list(_chunk_ranges(4, ids[2])) == _reference(ids[:3], 4)


def test_no_customers_no_chunks():
    assert list(_chunk_ranges(3, None)) == []
