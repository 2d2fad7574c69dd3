import pytest

from receivables.models import DunningNotice
from tests.receivables.dunning.factories import (
    CustomerDunningPolicyFactory,
    DunningNoticeInvoiceFactory,
)

pytestmark = pytest.mark.django_db


def test_the_dunning_factories_build_valid_rows():
    # when
    line = DunningNoticeInvoiceFactory()
    pin = CustomerDunningPolicyFactory()

    # then
    assert DunningNotice.objects.get().invoices.get() == line.invoice
    assert line.invoice.customer == line.notice.customer
    assert pin.policy.pins.get() == pin
