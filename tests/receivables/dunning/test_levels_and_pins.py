"""Removing a level keeps old notices' texts (the renumbering bug), and pinning
customers to a policy."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from crm import roles
from crm.exceptions import ValidationFailed
from receivables.dunning.pins import customer_dunning_policy_pin, customer_dunning_policy_unpin
from receivables.dunning.policies import dunning_policy_save
from receivables.dunning.sending import dunning_notice_render
from receivables.dunning.services import dunning_run_decide
from receivables.models import CustomerDunningPolicy, DunningLevel, DunningNotice
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import (
    DunningNoticeFactory,
    DunningNoticeInvoiceFactory,
    DunningPolicyFactory,
    InvoiceFactory,
)

pytestmark = pytest.mark.django_db


def _level(offset, subject):
    return {"offset_days": offset, "subject_en": subject, "body_en": f"{subject} body"}


def _four_level_policy():
    return dunning_policy_save(
        name="Four",
        levels=[_level(0, "First"), _level(7, "Second"), _level(21, "Third"), _level(45, "Last")],
    )


def _ids(policy):
    return {
        level.subject_en: level.pk
        for level in policy.levels.filter(retired_at__isnull=True).order_by("position")
    }


def test_removing_a_middle_level_keeps_later_levels_and_their_notices_texts():
    # given: notices were sent at levels 2 and 3
    policy = _four_level_policy()
    ids = _ids(policy)
    second = DunningNoticeFactory(level_id=ids["Second"])
    DunningNoticeInvoiceFactory(notice=second)
    third = DunningNoticeFactory(level_id=ids["Third"])
    DunningNoticeInvoiceFactory(notice=third)

    # when: the admin removes level 2, keeping the others by id
    dunning_policy_save(
        name="Four",
        policy=policy,
        levels=[
            {"id": ids["First"], **_level(0, "First")},
            {"id": ids["Third"], **_level(21, "Third")},
            {"id": ids["Last"], **_level(45, "Last")},
        ],
    )

    # then: the old notices render the text they were decided with
    second.refresh_from_db()
    third.refresh_from_db()
    assert dunning_notice_render(second)[0] == "Second"
    assert dunning_notice_render(third)[0] == "Third"
    assert second.level.retired_at is not None
    active = list(
        policy.levels.filter(retired_at__isnull=True)
        .order_by("position")
        .values_list("pk", "position", "offset_days")
    )
    assert active == [(ids["First"], 1, 0), (ids["Third"], 2, 21), (ids["Last"], 3, 45)]


def test_a_removed_level_without_notices_is_deleted_and_positions_repacked():
    # given
    policy = _four_level_policy()
    ids = _ids(policy)

    # when
    dunning_policy_save(
        name="Four",
        policy=policy,
        levels=[
            {"id": ids["First"], **_level(0, "First")},
            {"id": ids["Last"], **_level(45, "Last")},
        ],
    )

    # then
    assert not DunningLevel.objects.filter(pk__in=[ids["Second"], ids["Third"]]).exists()
    assert list(policy.levels.order_by("position").values_list("pk", "position")) == [
        (ids["First"], 1),
        (ids["Last"], 2),
    ]


def test_a_retired_level_is_skipped_by_the_run_and_the_invoice_climbs_to_the_next():
    # given: a customer whose invoice had the level-2 notice sent, then level 2 is removed
    policy = _four_level_policy()
    ids = _ids(policy)
    customer = CustomerFactory()
    ContactFactory(customer=customer)
    customer_dunning_policy_pin(customer=customer, policy=policy)
    invoice = InvoiceFactory(customer=customer)  # due 2026-10-01
    for name, day in (("First", 1), ("Second", 8)):
        notice = DunningNoticeFactory(
            customer=customer,
            level_id=ids[name],
            run_date=datetime.date(2026, 10, day),
            status="sent",
            sent_at=datetime.datetime(2026, 10, day, tzinfo=datetime.UTC),
        )
        DunningNoticeInvoiceFactory(notice=notice, invoice=invoice)
    dunning_policy_save(
        name="Four",
        policy=policy,
        levels=[
            {"id": ids["First"], **_level(0, "First")},
            {"id": ids["Third"], **_level(21, "Third")},
            {"id": ids["Last"], **_level(45, "Last")},
        ],
    )

    # when
    result = dunning_run_decide(run_date=datetime.date(2026, 10, 22), enqueue=lambda n: None)

    # then
    assert result.notices_created == 1
    assert DunningNotice.objects.get(run_date=datetime.date(2026, 10, 22)).level_id == ids["Third"]


def test_an_unknown_level_id_is_refused_and_nothing_changes():
    # given
    policy = _four_level_policy()
    before = list(policy.levels.values_list("pk", "position", "subject_en"))

    # when
    with pytest.raises(ValidationFailed) as refused:
        dunning_policy_save(
            name="Four", policy=policy, levels=[{"id": 999999, **_level(0, "First")}]
        )

    # then
    assert refused.value.code == "dunning_level_unknown"
    assert "level id 999999" in refused.value.message
    assert list(policy.levels.values_list("pk", "position", "subject_en")) == before


def test_pinning_replaces_an_earlier_pin_and_unpinning_returns_to_the_tier():
    # given
    customer = CustomerFactory()
    first = _four_level_policy()
    second = dunning_policy_save(name="Other", levels=[_level(3, "Only")])

    # when
    customer_dunning_policy_pin(customer=customer, policy=first)
    customer_dunning_policy_pin(customer=customer, policy=second)

    # then
    assert CustomerDunningPolicy.objects.get(customer=customer).policy == second

    # when
    assert customer_dunning_policy_unpin(customer=customer) is True
    assert customer_dunning_policy_unpin(customer=customer) is False

    # then
    assert not CustomerDunningPolicy.objects.filter(customer=customer).exists()


def test_pinning_to_a_policy_without_levels_is_refused_and_the_old_pin_kept():
    # given
    customer = CustomerFactory(code="PIN-1")
    kept = _four_level_policy()
    customer_dunning_policy_pin(customer=customer, policy=kept)
    empty = DunningPolicyFactory(name="Empty")

    # when
    with pytest.raises(ValidationFailed) as refused:
        customer_dunning_policy_pin(customer=customer, policy=empty)

    # then
    assert refused.value.code == "dunning_policy_without_levels"
    assert "customer PIN-1 would get no reminders" in refused.value.message
    assert CustomerDunningPolicy.objects.get(customer=customer).policy == kept


def test_the_pin_api_pins_and_unpins_for_a_finance_admin(client_for):
    # given
    client, _ = client_for(roles.FINANCE_ADMIN)
    customer = CustomerFactory()
    policy = _four_level_policy()

    # when
    created = client.post(
        reverse("dunning-pin-list"), {"customer": customer.pk, "policy": policy.pk}, format="json"
    )
    deleted = client.delete(reverse("dunning-pin-detail", args=[created.json()["id"]]))

    # then
    assert created.status_code == 201, created.content
    assert created.json() == {
        "id": created.json()["id"],
        "customer": customer.pk,
        "policy": policy.pk,
    }
    assert deleted.status_code == 204
    assert not CustomerDunningPolicy.objects.filter(customer=customer).exists()


def test_the_pin_api_refuses_an_empty_policy_with_the_reason(client_for):
    # given
    client, _ = client_for(roles.FINANCE_ADMIN)
    customer = CustomerFactory()
    empty = DunningPolicyFactory(name="Empty")

    # when
    response = client.post(
        reverse("dunning-pin-list"), {"customer": customer.pk, "policy": empty.pk}, format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "dunning_policy_without_levels"
    assert response.json()["extra"]["fields"]["policy"]
    assert not CustomerDunningPolicy.objects.exists()


def test_a_sales_rep_lists_only_pins_of_their_own_customers(client_for, django_assert_num_queries):
    # given
    client, rep = client_for(roles.SALES_REP)
    policy = _four_level_policy()
    own = customer_dunning_policy_pin(customer=CustomerFactory(sales_rep=rep), policy=policy)
    customer_dunning_policy_pin(customer=CustomerFactory(), policy=policy)

    # when: the query count does not grow with the number of pins
    with django_assert_num_queries(3):
        response = client.get(reverse("dunning-pin-list"))

    # then
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [own.pk]


def test_the_bounce_webhook_marks_the_notice_by_message_id(client_for, settings):
    # given: an integrator token; a notice sent to the customer
    settings.CRM_DUNNING_ATTACH_STATEMENT = False
    from receivables.dunning.tasks import dunning_notice_send

    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory()
    ContactFactory(customer=customer, email="ap@acme.example.com")
    notice = DunningNoticeFactory(customer=customer)
    DunningNoticeInvoiceFactory(notice=notice)
    dunning_notice_send.apply(args=[notice.pk])
    notice.refresh_from_db()

    # when
    response = client.post(
        reverse("dunning-bounce-report"),
        {"message_id": notice.message_id, "reason": "550 5.1.1 unknown user"},
        format="json",
    )
    unknown = client.post(
        reverse("dunning-bounce-report"),
        {"message_id": "<nope@example.com>", "reason": "550"},
        format="json",
    )

    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "bounced"
    assert response.json()["bounce_reason"] == "ap@acme.example.com: 550 5.1.1 unknown user"
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "dunning_notice_not_found"
    assert len(mail.outbox) == 1


def test_the_bounce_webhook_needs_a_reason(client_for):
    # given
    client, _ = client_for(roles.INTEGRATOR)

    # when
    response = client.post(
        reverse("dunning-bounce-report"), {"message_id": "<a@example.com>"}, format="json"
    )

    # then
    assert response.status_code == 400
    assert "reason" in response.json()["extra"]["fields"]
