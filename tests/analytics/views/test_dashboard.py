from __future__ import annotations

from datetime import date

import pytest

from analytics.kpis.services import kpi_snapshot_take
from analytics.models import RunStatus
from crm import roles
from customers.models import Tier
from receivables.services import invoice_create
from tests.analytics.pages_helpers import loss_maker, metrics_for, pipeline_run
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/analytics/"


@pytest.fixture
def portfolio(settings):
    settings.ANALYTICS_KPI_PERIOD_DAYS = 30
    big = CustomerFactory(name="Big Spender", tier=Tier.VIP)
    quiet = CustomerFactory(name="Quiet Buyer", tier=Tier.NORMAL)
    costly = CustomerFactory(name="Costly Co", tier=Tier.HIGH_RISK)
    invoice_create(
        customer=big, number="A1", issue_date=date(2026, 6, 1), due_date=date(2026, 7, 1),
        total="3000.00",
    )  # fmt: skip
    metrics_for(quiet, is_churn_warning=True, churn_reason="No invoice for 200 days (usually 30)")
    loss_maker(costly, "-321.00")
    kpi_snapshot_take(as_of=date(2026, 6, 29))
    kpi_snapshot_take(as_of=date(2026, 6, 30))
    return big


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("role", [roles.SALES_REP, roles.COLLECTIONS_CLERK, roles.INTEGRATOR])
def test_roles_without_portfolio_kpis_are_refused(client, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("role", [roles.FINANCE_ADMIN, roles.CREDIT_MANAGER])
def test_finance_sees_kpis_charts_tiers_loss_makers_and_churn(client, portfolio, role):
    # given
    client.force_login(UserFactory(roles=[role]))

    # when
    response = client.get(URL)

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "KPIs as of June 30, 2026" in content
    # 3,000 open, all current; 3,000 invoiced in the 30 days: DSO 30, CEI undefined
    assert "<dd>30.00</dd>" in content
    assert "<dd>3,000.00</dd>" in content
    assert "<dt>CEI (%)</dt><dd>—</dd>" in content
    assert content.count("<svg") >= 4  # DSO trend, CEI trend, aging, tiers
    assert "<polyline" in content
    # one customer per tier on the snapshot day, read from the snapshot
    for tier in ("VIP", "Normal", "High risk"):
        assert f'<th scope="row">{tier}</th><td class="num">1</td>' in content
    assert "Costly Co" in content
    assert "-321.00" in content
    assert "Quiet Buyer" in content
    assert "No invoice for 200 days" in content
    assert "The pipeline has not run yet." in content


def test_empty_portfolio_dashboard_says_there_is_nothing_yet(client):
    client.force_login(UserFactory(roles=[roles.FINANCE_ADMIN]))
    response = client.get(URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert "No KPI snapshot yet" in content
    assert "No loss-making customers." in content
    assert "No churn warnings." in content


def test_missing_fx_rate_is_shown_on_the_dashboard(client, settings):
    settings.ANALYTICS_KPI_PERIOD_DAYS = 30
    customer = CustomerFactory(currency="GBP")
    invoice_create(customer=customer, number="G1", issue_date=date(2026, 6, 1), total="10.00")
    kpi_snapshot_take(as_of=date(2026, 6, 30))
    client.force_login(UserFactory(roles=[roles.FINANCE_ADMIN]))
    content = client.get(URL).content.decode()
    assert "No FX rate for GBP on this day" in content


def test_a_running_pipeline_shows_a_progress_bar_that_polls(client):
    pipeline_run(status=RunStatus.RUNNING, done=3, total=4)
    client.force_login(UserFactory(roles=[roles.FINANCE_ADMIN]))
    content = client.get(URL).content.decode()
    assert '<progress id="pipeline-progress" max="100" value="75">' in content
    assert 'data-running="true"' in content
    assert "pipeline_progress.js" in content
    assert "without an FX rate" in content


def test_progress_endpoint_reports_the_latest_run(client):
    # given
    run = pipeline_run(status=RunStatus.RUNNING, done=1, total=4)
    client.force_login(UserFactory(roles=[roles.CREDIT_MANAGER]))

    # when
    body = client.get("/analytics/pipeline/progress.json").json()

    # then
    assert body["run_id"] == run.pk
    assert body["percent"] == 25
    assert body["is_running"] is True
    assert (body["customers_done"], body["customers_total"]) == (1000, 4000)


def test_progress_endpoint_without_runs_and_for_sales_reps(client):
    client.force_login(UserFactory(roles=[roles.FINANCE_ADMIN]))
    assert client.get("/analytics/pipeline/progress.json").json()["run_id"] is None
    client.force_login(UserFactory(roles=[roles.SALES_REP]))
    assert client.get("/analytics/pipeline/progress.json").status_code == 403


def test_kpi_table_page_filters_and_rejects_a_reversed_range(client, portfolio):
    client.force_login(UserFactory(roles=[roles.FINANCE_ADMIN]))
    response = client.get("/analytics/kpis/", {"dimension": "tier"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Tier: VIP" in content
    assert "Whole portfolio" not in content.split("<tbody>")[1]
    bad = client.get("/analytics/kpis/", {"date_from": "2026-07-01", "date_to": "2026-06-01"})
    assert bad.status_code == 400
    assert "swap the dates" in bad.content.decode()


def test_nav_shows_the_dashboard_to_finance_only(client):
    client.force_login(UserFactory(roles=[roles.FINANCE_ADMIN]))
    assert 'href="/analytics/"' in client.get("/").content.decode()
    client.force_login(UserFactory(roles=[roles.SALES_REP]))
    home = client.get("/").content.decode()
    assert 'href="/analytics/"' not in home
    assert 'href="/analytics/my-customers/"' in home


def test_kpi_export_streams_the_filtered_rows_and_refuses_bad_filters(client, portfolio):
    client.force_login(UserFactory(roles=[roles.CREDIT_MANAGER]))
    response = client.get("/analytics/export/kpis/", {"format": "csv", "dimension": "portfolio"})
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    lines = text.strip().splitlines()
    assert lines[0].startswith("as_of,dimension,key,label,currency,period_days,beginning_ar")
    assert len(lines) == 3  # two days of the portfolio row
    assert lines[1].startswith("2026-06-30,portfolio,,,USD,30,0.00,3000.00,3000.00,0.00,3000.00")
    bad = client.get("/analytics/export/kpis/", {"format": "csv", "date_from": "June"})
    assert bad.status_code == 400
    assert "Enter a valid date" in bad.content.decode()


def test_the_dashboard_reads_in_a_fixed_number_of_queries(
    client, portfolio, django_assert_num_queries
):
    # given more loss makers and churn warnings than the dashboard lists
    for index in range(15):
        loss_maker(CustomerFactory(name=f"Loss {index}"), f"-{index + 1}.00")
        metrics_for(CustomerFactory(name=f"Warned {index}"), is_churn_warning=True)
    client.force_login(UserFactory(roles=[roles.FINANCE_ADMIN]))
    client.get(URL)  # the session and the user's permissions, as on every page

    # when the dashboard is read again, then its reads do not grow with the lists
    with django_assert_num_queries(13):
        response = client.get(URL)
    assert response.status_code == 200
