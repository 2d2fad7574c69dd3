"""Scores and backtests over the API, the backtest page and the score panel tag."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import Client

from credit.models import CreditScore
from credit.scoring.services import credit_backtest_run, credit_scores_compute
from crm import roles
from tests.credit.scoring.ledger import AS_OF, invoice, paid_invoice
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(make_user):
    rep = make_user(roles.SALES_REP)
    mine = CustomerFactory(sales_rep=rep)
    theirs = CustomerFactory()
    paid_invoice(mine, total="100.00", due=-40, paid=-20)
    invoice(theirs, total="100.00", due=-90)
    credit_scores_compute(as_of=AS_OF)
    credit_scores_compute(as_of=AS_OF)  # a second score each: only the latest is listed
    return rep, mine, theirs


def test_scores_list_the_latest_score_of_customers_the_user_sees(scored, client_for):
    _rep, _mine, theirs = scored
    client, _user = client_for(roles.CREDIT_MANAGER)
    response = client.get("/api/v1/credit-scores/")
    assert response.status_code == 200
    rows = response.json()["results"]
    latest = {s.customer_id: s.pk for s in CreditScore.objects.order_by("id")}
    assert sorted((row["customer"], row["id"]) for row in rows) == sorted(latest.items())
    theirs_row = next(row for row in rows if row["customer"] == theirs.pk)
    assert theirs_row["customer_code"] == theirs.code
    assert theirs_row["reasons"][0]["component"] == "open_over_60"
    assert theirs_row["components"]["open_over_60"]["value"] == 1.0


def test_a_sales_rep_sees_only_the_scores_of_their_customers(scored):
    rep, mine, theirs = scored
    client = Client()
    client.force_login(rep)
    rows = client.get("/api/v1/credit-scores/").json()["results"]
    assert [row["customer"] for row in rows] == [mine.pk]
    other_score = theirs.latest_credit_score.score_id
    assert client.get(f"/api/v1/credit-scores/{other_score}/").status_code == 404


def test_scores_filter_by_customer(scored, client_for):
    _rep, mine, _theirs = scored
    client, _user = client_for(roles.INTEGRATOR)
    rows = client.get(f"/api/v1/credit-scores/?customer={mine.pk}").json()["results"]
    assert [row["customer"] for row in rows] == [mine.pk]
    assert client.get("/api/v1/credit-scores/?customer=abc").status_code == 400


def test_scores_list_takes_a_fixed_number_of_queries(scored, client_for, django_assert_num_queries):
    client, _user = client_for(roles.CREDIT_MANAGER)
    # permissions and roles (one query), count, page
    with django_assert_num_queries(3):
        assert client.get("/api/v1/credit-scores/").status_code == 200


def test_latest_backtest_is_404_with_a_message_before_the_first_run(client_for):
    client, _user = client_for(roles.CREDIT_MANAGER)
    response = client.get("/api/v1/credit-backtests/latest/")
    assert response.status_code == 404
    assert response.json()["code"] == "no_backtest"
    assert "credit_score --backtest" in response.json()["message"]


def test_backtests_list_newest_first(client_for, django_assert_num_queries):
    first, second = credit_backtest_run(as_of=AS_OF), credit_backtest_run(as_of=AS_OF)
    client, _user = client_for(roles.FINANCE_ADMIN)
    with django_assert_num_queries(3):  # permissions and roles, count, page
        rows = client.get("/api/v1/credit-backtests/").json()["results"]
    assert [row["id"] for row in rows] == [second.pk, first.pk]
    assert client.get("/api/v1/credit-backtests/latest/").json()["id"] == second.pk


@pytest.mark.parametrize(
    ("role", "status"),
    [(roles.CREDIT_MANAGER, 200), (roles.FINANCE_ADMIN, 200), (roles.SALES_REP, 403),
     (roles.COLLECTIONS_CLERK, 403)],
)  # fmt: skip
def test_backtest_page_is_for_credit_managers_and_finance_admins(role, status, scored):
    credit_backtest_run(as_of=AS_OF)
    client = Client()
    client.force_login(UserFactory(roles=[role]))
    response = client.get("/credit/backtest/")
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "AUC" in body
        assert "<svg" in body
        assert "Grade migration" in body


def test_backtest_page_without_a_run_says_how_to_get_one():
    client = Client()
    client.force_login(UserFactory(roles=[roles.CREDIT_MANAGER]))
    assert "credit_score --backtest" in client.get("/credit/backtest/").content.decode()


def test_backtest_page_needs_a_login():
    response = Client().get("/credit/backtest/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def _panel(customer) -> str:
    return Template("{% load credit_scores %}{% credit_score_panel customer %}").render(
        Context({"customer": customer})
    )


def test_score_panel_shows_score_grade_version_reasons_and_history(scored):
    _rep, _mine, theirs = scored
    score = CreditScore.objects.filter(customer=theirs).order_by("-id").first()
    html = _panel(theirs)
    assert f"<strong>{score.score}</strong>" in html
    assert f"grade-{score.grade}" in html
    assert score.version in html
    assert "100% of the open balance is more than 60 days past due." in html
    assert "<polyline" in html  # two scores: a history line


def test_score_panel_of_an_unscored_customer_says_so():
    html = _panel(CustomerFactory())
    assert "Not scored yet" in html
