from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from analytics.kpis.services import kpi_snapshot_take
from analytics.models import ClvMethod, RunStatus
from crm import roles
from customers.models import Tier
from receivables.services import invoice_create
from tests.analytics.pages_helpers import loss_maker, metrics_for, pipeline_run
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

KPIS = "/api/v1/analytics/kpi-snapshots/"
METRICS = "/api/v1/analytics/customer-metrics/"
LOSS = "/api/v1/analytics/loss-makers/"
CHURN = "/api/v1/analytics/churn-warnings/"
RUNS = "/api/v1/analytics/pipeline-runs/"


@pytest.fixture
def snapshots(settings):
    settings.ANALYTICS_KPI_PERIOD_DAYS = 30
    customer = CustomerFactory(tier=Tier.VIP)
    invoice_create(
        customer=customer, number="A1", issue_date=date(2026, 6, 1), due_date=date(2026, 7, 1),
        total="3000.00",
    )  # fmt: skip
    kpi_snapshot_take(as_of=date(2026, 6, 29))
    kpi_snapshot_take(as_of=date(2026, 6, 30))


def test_kpi_snapshots_with_filters_and_decimal_strings(client_for, snapshots):
    # given
    client, _ = client_for(roles.FINANCE_ADMIN)

    # when
    body = client.get(KPIS, {"dimension": "portfolio", "date_from": "2026-06-30"}).json()

    # then
    assert body["count"] == 1
    row = body["results"][0]
    assert row["as_of"] == "2026-06-30"
    assert (row["ending_ar"], row["credit_sales"], row["dso"]) == ("3000.00", "3000.00", "30.00")
    assert row["collection_effectiveness_index"] is None
    assert row["missing_fx_currencies"] == []
    tiers = client.get(KPIS, {"dimension": "tier", "key": "vip"}).json()
    assert [r["as_of"] for r in tiers["results"]] == ["2026-06-30", "2026-06-29"]


def test_kpi_snapshots_refuse_a_reversed_range_and_an_unknown_dimension(client_for, snapshots):
    client, _ = client_for(roles.CREDIT_MANAGER)
    reversed_range = client.get(KPIS, {"date_from": "2026-07-01", "date_to": "2026-06-01"})
    assert reversed_range.status_code == 400
    assert reversed_range.json()["code"] == "date_range_reversed"
    assert "swap them" in reversed_range.json()["message"]
    assert client.get(KPIS, {"dimension": "planet"}).status_code == 400


@pytest.mark.parametrize("days", [1, 4])
def test_kpi_list_query_count_does_not_grow_with_rows(
    client_for, django_assert_num_queries, settings, days
):
    # given snapshots of several days
    settings.ANALYTICS_KPI_PERIOD_DAYS = 30
    for day in range(1, days + 1):
        kpi_snapshot_take(as_of=date(2026, 6, day))
    client, _ = client_for(roles.FINANCE_ADMIN)

    # when read: permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        body = client.get(KPIS).json()

    # then
    assert body["count"] == days


@pytest.fixture
def metrics():
    rep = UserFactory(roles=[roles.SALES_REP])
    mine = CustomerFactory(name="Mine", sales_rep=rep)
    theirs = CustomerFactory(name="Theirs")
    metrics_for(mine, clv=Decimal("1234.56"), clv_method=ClvMethod.BGNBD_GG, is_churn_warning=True)
    loss_maker(theirs, "-75.25", is_churn_warning=True)
    return rep, mine, theirs


def test_a_sales_rep_reads_only_their_customers_figures(api_client, metrics):
    # given
    rep, mine, theirs = metrics
    api_client.force_authenticate(user=rep)

    # when / then
    body = api_client.get(METRICS).json()
    assert [row["customer_name"] for row in body["results"]] == ["Mine"]
    assert body["results"][0]["clv"] == "1234.56"
    assert body["results"][0]["clv_method"] == "bgnbd_gg"
    assert api_client.get(f"{METRICS}{mine.pk}/").status_code == 200
    other = api_client.get(f"{METRICS}{theirs.pk}/")
    assert other.status_code == 404
    assert api_client.get(LOSS).json()["count"] == 0
    assert [row["customer_name"] for row in api_client.get(CHURN).json()["results"]] == ["Mine"]


def test_a_manager_reads_loss_makers_with_their_components(client_for, metrics):
    client, _ = client_for(roles.CREDIT_MANAGER)
    body = client.get(LOSS).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["customer_name"] == "Theirs"
    assert (row["revenue_net"], row["cost_of_goods"], row["cost_to_serve"]) == (
        "1000.00",
        "700.00",
        "250.00",
    )
    assert (row["financing_cost"], row["write_offs"], row["contribution"]) == (
        "100.00",
        "25.25",
        "-75.25",
    )
    assert client.get(METRICS, {"is_loss_making": "true"}).json()["count"] == 1
    assert client.get(CHURN).json()["count"] == 2


@pytest.mark.parametrize("rows", [2, 8])
def test_metrics_list_query_count_does_not_grow_with_rows(
    client_for, django_assert_num_queries, rows
):
    # given
    for _ in range(rows):
        metrics_for(CustomerFactory(sales_rep=UserFactory()))
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when read: permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        body = client.get(METRICS).json()

    # then
    assert body["count"] == rows


def test_pipeline_runs_show_progress_and_problems(client_for):
    run = pipeline_run(status=RunStatus.PARTIAL, done=2, total=4)
    client, _ = client_for(roles.FINANCE_ADMIN)
    body = client.get(RUNS, {"status": "partial"}).json()
    assert [row["id"] for row in body["results"]] == [run.pk]
    detail = client.get(f"{RUNS}{run.pk}/").json()
    assert detail["progress_percent"] == 50
    assert detail["problems"] == ["2 customers have invoices in GBP without an FX rate"]


@pytest.mark.parametrize("rows", [2, 6])
@pytest.mark.parametrize("url", [LOSS, CHURN])
def test_short_lists_query_count_does_not_grow_with_rows(
    client_for, django_assert_num_queries, rows, url
):
    # given loss-making customers that also have a churn warning
    for index in range(rows):
        loss_maker(CustomerFactory(), f"-{index + 1}.00", is_churn_warning=True)
    client, _ = client_for(roles.FINANCE_ADMIN)

    # when read: permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        body = client.get(url).json()

    # then
    assert body["count"] == rows


@pytest.mark.parametrize("runs", [1, 5])
def test_pipeline_run_list_query_count_does_not_grow_with_rows(
    client_for, django_assert_num_queries, runs
):
    for _ in range(runs):
        pipeline_run(status=RunStatus.SUCCEEDED, done=4, total=4)
    client, _ = client_for(roles.CREDIT_MANAGER)

    # permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        body = client.get(RUNS).json()

    assert body["count"] == runs
