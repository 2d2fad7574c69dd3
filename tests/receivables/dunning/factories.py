"""The dunning factories live in tests/factories/receivables.py; re-exported here."""

from tests.factories.receivables import (
    CustomerDunningPolicyFactory,
    DunningLevelFactory,
    DunningNoticeFactory,
    DunningNoticeInvoiceFactory,
    DunningPolicyFactory,
)

__all__ = [
    "CustomerDunningPolicyFactory",
    "DunningLevelFactory",
    "DunningNoticeFactory",
    "DunningNoticeInvoiceFactory",
    "DunningPolicyFactory",
]
