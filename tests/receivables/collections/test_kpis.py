import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import roles
from receivables.collections.kpis import clerk_kpis, kpi_table
from receivables.models import (
    ActivityKind,
    CollectionActivity,
    DunningLevel,
    DunningNoticeStatus,
    PromiseStatus,
)
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import PaymentFactory, PromiseToPayFactory
from tests.receivables.collections.helpers import notice

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 9)  # ISO week 2026-W46


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def team():
    return (
        UserFactory(username="clara", roles=[roles.COLLECTIONS_CLERK]),
        UserFactory(username="chen", roles=[roles.COLLECTIONS_CLERK]),
    )


def _promise(clerk, *, made_on, status=PromiseStatus.OPEN, closed_on=None):
    return PromiseToPayFactory(
        created_by=clerk,
        made_on=made_on,
        promised_date=made_on + datetime.timedelta(days=3),
        status=status,
        closed_on=closed_on,
    )


def test_promises_made_kept_and_broken_per_clerk_and_week(team):
    # given
    clara, chen = team
    _promise(clara, made_on=MONDAY)
    _promise(
        clara,
        made_on=MONDAY,
        status=PromiseStatus.KEPT,
        closed_on=MONDAY + datetime.timedelta(days=8),
    )
    _promise(
        chen,
        made_on=MONDAY + datetime.timedelta(days=2),
        status=PromiseStatus.BROKEN,
        closed_on=MONDAY + datetime.timedelta(days=9),
    )

    # when
    kpis = clerk_kpis(date_from=MONDAY, date_to=MONDAY + datetime.timedelta(days=13))

    # then
    assert [
        (r.week, r.clerk, r.promises_made, r.promises_kept, r.promises_broken) for r in kpis.rows
    ] == [
        ("2026-W46", "chen", 1, 0, 0),
        ("2026-W46", "clara", 2, 0, 0),
        ("2026-W47", "chen", 0, 0, 1),
        ("2026-W47", "clara", 0, 1, 0),
    ]


def test_collected_after_contact_goes_to_the_latest_contact_within_the_window(team, settings):
    # given: clara calls on Monday, chen emails on Wednesday; payments after both
    settings.CRM_WORKLIST_COLLECTED_AFTER_CONTACT_DAYS = 5
    clara, chen = team
    customer = CustomerFactory()
    CollectionActivity.objects.create(
        customer=customer, author=clara, kind=ActivityKind.CALL, created_at=_at(MONDAY)
    )
    CollectionActivity.objects.create(
        customer=customer,
        author=chen,
        kind=ActivityKind.EMAIL,
        created_at=_at(MONDAY + datetime.timedelta(days=2)),
    )
    # a note is no contact
    CollectionActivity.objects.create(
        customer=customer,
        author=clara,
        kind=ActivityKind.NOTE,
        created_at=_at(MONDAY + datetime.timedelta(days=3)),
    )
    PaymentFactory(customer=customer, received_date=MONDAY, amount=Decimal("100.00"))
    PaymentFactory(
        customer=customer,
        received_date=MONDAY + datetime.timedelta(days=4),
        amount=Decimal("250.50"),
    )
    # 8 days after the last contact: outside the window
    PaymentFactory(
        customer=customer,
        received_date=MONDAY + datetime.timedelta(days=10),
        amount=Decimal("999.00"),
    )
    # a customer nobody contacted
    PaymentFactory(received_date=MONDAY, amount=Decimal("5000.00"))

    # when
    kpis = clerk_kpis(date_from=MONDAY, date_to=MONDAY + datetime.timedelta(days=13))

    # then
    assert [(r.clerk, r.week, r.collected_after_contact) for r in kpis.rows] == [
        ("chen", "2026-W46", {"USD": Decimal("250.50")}),
        ("clara", "2026-W46", {"USD": Decimal("100.00")}),
    ]


def test_notices_sent_per_level_for_the_clerk_who_sent_by_hand_or_the_run(team):
    # given
    clara, _ = team
    customer = CustomerFactory()
    level_1 = DunningLevel.objects.get(policy__is_default_for_tier="normal", position=1)
    level_2 = DunningLevel.objects.get(policy__is_default_for_tier="normal", position=2)
    by_run = notice(customer, status=DunningNoticeStatus.SENT, level=level_1)
    by_hand = notice(customer, status=DunningNoticeStatus.SENT, level=level_2, days_ago=3)
    type(by_hand).objects.filter(pk=by_hand.pk).update(
        idempotency_key=f"manual:{customer.pk}:token", sent_at=_at(MONDAY)
    )
    type(by_run).objects.filter(pk=by_run.pk).update(sent_at=_at(MONDAY, 11))
    CollectionActivity.objects.create(
        customer=customer, author=clara, kind=ActivityKind.NOTICE, notice=by_hand
    )

    # when
    kpis = clerk_kpis(date_from=MONDAY, date_to=MONDAY)

    # then
    assert [(r.clerk, r.notices_sent) for r in kpis.rows] == [("clara", {2: 1}), ("", {1: 1})]
    assert kpis.levels == [1, 2]
    _, lines = kpi_table(kpis)
    assert lines == [
        ["clara", "2026-W46", "2026-11-09", "notices_sent", 2, 1],
        ["dunning run", "2026-W46", "2026-11-09", "notices_sent", 1, 1],
    ]
    # and one clerk only
    only = clerk_kpis(date_from=MONDAY, date_to=MONDAY, clerk_id=clara.pk)
    assert [(r.clerk, r.notices_sent) for r in only.rows] == [("clara", {2: 1})]


def test_kpi_page_csv_and_api(client, api_client, team):
    # given
    clara, _ = team
    _promise(clara, made_on=MONDAY)
    client.force_login(clara)
    api_client.force_authenticate(clara)
    period = {"date_from": MONDAY.isoformat(), "date_to": "2026-11-15"}

    # when
    page = client.get(reverse("receivables:worklist-kpis"), period)
    csv = client.get(reverse("receivables:worklist-kpis"), {**period, "format": "csv"})
    api = api_client.get(reverse("worklist-kpi-list"), period)

    # then
    assert page.status_code == 200
    assert "2026-W46" in page.content.decode()
    assert csv.content.decode().splitlines() == [
        "clerk,iso_week,week_start,metric,currency_or_level,value",
        "clara,2026-W46,2026-11-09,promises_made,,1",
    ]
    assert api.json()["rows"][0]["promises_made"] == 1
    assert api.json()["rows"][0]["week"] == "2026-W46"


def test_kpi_period_backwards_is_refused(client, api_client, team):
    client.force_login(team[0])
    api_client.force_authenticate(team[0])
    period = {"date_from": "2026-11-15", "date_to": MONDAY.isoformat()}
    assert client.get(reverse("receivables:worklist-kpis"), period).status_code == 400
    response = api_client.get(reverse("worklist-kpi-list"), period)
    assert response.status_code == 400
    assert "swap" in response.content.decode()


def test_sales_rep_has_no_kpis(client):
    client.force_login(UserFactory(roles=[roles.SALES_REP]))
    assert client.get(reverse("receivables:worklist-kpis")).status_code == 403
