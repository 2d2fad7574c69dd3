"""Every model of the product has an admin whose pages open with data in them.

The cases come from ``admin.site._registry``: a model registered without a row
factory here, or a model left without an admin, fails this module.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.models import (
    CustomerMetrics,
    FxRate,
    KpiSnapshot,
    PipelineChunk,
    PipelineRun,
    TierChange,
    TierRule,
)
from credit.models import (
    CreditBacktest,
    CreditCheck,
    CreditHoldEvent,
    CreditLimitRequest,
    CreditLimitRequestEvent,
    CreditProfile,
    CreditProfileEvent,
    CreditReview,
    CreditReviewSchedule,
    CreditScore,
    CreditScoreLatest,
    OpenOrder,
)
from crm import roles
from customers.models import Contact, Customer
from receivables.models import (
    Allocation,
    BalanceSnapshot,
    CollectionActivity,
    CollectionCase,
    CreditNote,
    CustomerBalance,
    CustomerDunningPolicy,
    Dispute,
    DunningLevel,
    DunningNotice,
    DunningNoticeInvoice,
    DunningPolicy,
    Invoice,
    Payment,
    PromiseToPay,
    WriteOff,
)
from tests.factories.analytics import (
    CustomerMetricsFactory,
    FxRateFactory,
    PipelineChunkFactory,
    PipelineRunFactory,
    TierChangeFactory,
    TierRuleFactory,
)
from tests.factories.analytics_kpis import KpiSnapshotFactory
from tests.factories.credit import (
    CreditBacktestFactory,
    CreditCheckFactory,
    CreditHoldEventFactory,
    CreditLimitRequestEventFactory,
    CreditLimitRequestFactory,
    CreditProfileEventFactory,
    CreditProfileFactory,
    CreditReviewFactory,
    CreditReviewScheduleFactory,
    CreditScoreFactory,
    CreditScoreLatestFactory,
    OpenOrderFactory,
)
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import (
    AllocationFactory,
    CollectionActivityFactory,
    CollectionCaseFactory,
    CreditNoteFactory,
    CustomerDunningPolicyFactory,
    DisputeFactory,
    DunningLevelFactory,
    DunningNoticeFactory,
    DunningNoticeInvoiceFactory,
    DunningPolicyFactory,
    InvoiceFactory,
    PaymentFactory,
    PromiseToPayFactory,
    WriteOffFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


class CustomerBalanceFactory(factory.django.DjangoModelFactory):
    """A maintained balance row (derived data: the ledger services write it)."""

    class Meta:
        model = CustomerBalance

    customer = factory.SubFactory(CustomerFactory)
    currency = factory.LazyAttribute(lambda balance: balance.customer.currency)
    as_of = datetime.date(2026, 10, 1)
    edges = "30,60,90,120"
    open_total = Decimal("1000.00")
    overdue_total = Decimal("400.00")


class BalanceSnapshotFactory(factory.django.DjangoModelFactory):
    """The one row recording the last complete rebuild of the balances."""

    class Meta:
        model = BalanceSnapshot
        django_get_or_create = ("id",)

    id = 1
    as_of = datetime.date(2026, 10, 1)
    edges = "30,60,90,120"


PRODUCT_APPS = ("customers", "receivables", "credit", "analytics", "demo")
FACTORIES = {
    Customer: CustomerFactory,
    Contact: ContactFactory,
    Invoice: InvoiceFactory,
    Payment: PaymentFactory,
    Allocation: AllocationFactory,
    CreditNote: CreditNoteFactory,
    WriteOff: WriteOffFactory,
    Dispute: DisputeFactory,
    CreditProfile: CreditProfileFactory,
    PromiseToPay: PromiseToPayFactory,
    CustomerBalance: CustomerBalanceFactory,
    BalanceSnapshot: BalanceSnapshotFactory,
    DunningPolicy: DunningPolicyFactory,
    DunningLevel: DunningLevelFactory,
    CustomerDunningPolicy: CustomerDunningPolicyFactory,
    DunningNotice: DunningNoticeFactory,
    DunningNoticeInvoice: DunningNoticeInvoiceFactory,
    # credit operations (#5)
    CreditHoldEvent: CreditHoldEventFactory,
    OpenOrder: OpenOrderFactory,
    CreditCheck: CreditCheckFactory,
    CreditReview: CreditReviewFactory,
    CreditReviewSchedule: CreditReviewScheduleFactory,
    CreditLimitRequest: CreditLimitRequestFactory,
    CreditProfileEvent: CreditProfileEventFactory,
    CreditLimitRequestEvent: CreditLimitRequestEventFactory,
    KpiSnapshot: KpiSnapshotFactory,
    CollectionCase: CollectionCaseFactory,
    CollectionActivity: CollectionActivityFactory,
    # analytics (#6)
    CustomerMetrics: CustomerMetricsFactory,
    FxRate: FxRateFactory,
    PipelineChunk: PipelineChunkFactory,
    PipelineRun: PipelineRunFactory,
    TierChange: TierChangeFactory,
    TierRule: TierRuleFactory,
    # credit scoring (#5)
    CreditScore: CreditScoreFactory,
    CreditScoreLatest: CreditScoreLatestFactory,
    CreditBacktest: CreditBacktestFactory,
}
SINGLE_ROW = {BalanceSnapshot}  # a table of one row has no "many" to count
# Rows the admin creates through a service; the others are view-only there.
ADDABLE = {Customer, Contact, Invoice, Payment, Allocation, Dispute, PromiseToPay, DunningPolicy}
ADDABLE |= {CreditLimitRequest}
# Dunning (#4): a customer's pin to a policy is added and removed through the pin service.
ADDABLE |= {CustomerDunningPolicy}
DELETABLE = {CustomerDunningPolicy}
ADDABLE |= {FxRate, TierRule}  # analytics (#6): fx_rate_save, tier_rule_save


@pytest.fixture(autouse=True)
def _without_the_seeded_dunning_policies(db):
    """A data migration seeds default dunning policies; the pages here list only
    the rows each test makes."""
    DunningPolicy.objects.all().delete()


@pytest.fixture(autouse=True)
def _without_the_seeded_tier_rules(db):
    """Analytics seeds the default tier rules; likewise, list only the rows each test makes."""
    TierRule.objects.all().delete()


def _label(model) -> str:
    return model._meta.label_lower


REGISTERED = sorted(
    (model for model in admin.site._registry if model._meta.app_label in PRODUCT_APPS),
    key=_label,
)


def test_every_product_model_has_an_admin_and_a_factory_here():
    # given
    models = {model for label in PRODUCT_APPS for model in apps.get_app_config(label).get_models()}

    # then
    assert {_label(m) for m in REGISTERED} == {_label(m) for m in models}
    assert {_label(m) for m in FACTORIES} == {_label(m) for m in models}


@pytest.mark.parametrize("role", [None, roles.FINANCE_ADMIN], ids=["superuser", "finance_admin"])
@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_list_and_change_page_show_the_row(staff_client, model, role):
    # given
    client, _user = staff_client(role) if role else staff_client(is_superuser=True)
    row = FACTORIES[model]()
    info = (model._meta.app_label, model._meta.model_name)
    change_url = reverse("admin:{}_{}_change".format(*info), args=[row.pk])

    # when
    listed = client.get(reverse("admin:{}_{}_changelist".format(*info)))
    shown = client.get(change_url)

    # then
    assert listed.status_code == 200
    assert row.pk in [item.pk for item in listed.context["cl"].result_list]
    assert change_url in listed.content.decode()
    assert shown.status_code == 200
    assert shown.context["original"] == row


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_add_page_opens_only_where_the_admin_writes_through_a_service(superuser_client, model):
    # when
    response = superuser_client.get(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    )

    # then
    assert response.status_code == (200 if model in ADDABLE else 403)


@pytest.mark.parametrize("model", [m for m in REGISTERED if m not in DELETABLE], ids=_label)
def test_nothing_of_the_ledger_can_be_deleted_in_the_admin(superuser_client, model):
    # given
    row = FACTORIES[model]()

    # when
    response = superuser_client.post(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[row.pk]),
        {"post": "yes"},
    )

    # then
    assert response.status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", [m for m in REGISTERED if m not in SINGLE_ROW], ids=_label)
def test_list_costs_the_same_queries_for_one_row_or_many(superuser_client, model):
    # given
    info = (model._meta.app_label, model._meta.model_name)
    url = reverse("admin:{}_{}_changelist".format(*info))
    FACTORIES[model]()
    with CaptureQueriesContext(connection) as one:
        superuser_client.get(url)
    FACTORIES[model].create_batch(4)

    # when
    with CaptureQueriesContext(connection) as five:
        response = superuser_client.get(url)

    # then
    assert len(response.context["cl"].result_list) == 5
    assert len(five) == len(one), [query["sql"] for query in five]


@pytest.mark.parametrize("role", roles.ROLES)
def test_admin_index_opens_for_every_role(staff_client, role):
    # given
    client, _user = staff_client(role)

    # when
    response = client.get(reverse("admin:index"))

    # then
    assert response.status_code == 200
