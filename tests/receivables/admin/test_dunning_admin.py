"""Dunning in the admin: policies saved through ``dunning_policy_save`` with their
levels (refusals on the form, nothing written), pins through the pin service,
notices viewed and bounces recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from crm import roles
from receivables.models import DunningLevel, DunningNotice, DunningNoticeStatus, DunningPolicy
from tests.customers.admin.conftest import inline_management_form
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import (
    CustomerDunningPolicyFactory,
    DunningLevelFactory,
    DunningNoticeFactory,
    DunningNoticeInvoiceFactory,
    DunningPolicyFactory,
)
from tests.receivables.admin.support import changelist

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

ADD_POLICY = reverse("admin:receivables_dunningpolicy_add")


def _level(offset: int, **texts: str) -> dict[str, Any]:
    return {
        "offset_days": str(offset),
        "channel": "email",
        "subject_en": texts.get("subject_en", "Reminder for {{ customer.name }}"),
        "body_en": texts.get("body_en", "{% for i in invoices %}{{ i.number }}{% endfor %}"),
        "subject_zh": "",
        "body_zh": "",
    }


def _policy_post(name: str, levels: list[dict[str, Any]], *, initial: int = 0, **extra: str):
    data = {
        "name": name,
        "description": "Admin cadence",
        "is_default_for_tier": "",
        **inline_management_form("levels", total=len(levels), initial=initial),
    }
    for index, level in enumerate(levels):
        data.update({f"levels-{index}-{key}": value for key, value in level.items()})
    return {**data, **extra}


def _form_errors(response) -> str:
    return " ".join(str(error) for error in response.context["adminform"].form.non_field_errors())


@pytest.fixture
def finance_client(staff_client):
    client, _user = staff_client(roles.FINANCE_ADMIN)
    return client


# --- policies ------------------------------------------------------------------


def test_a_policy_is_added_with_its_levels_through_the_service(finance_client):
    # when
    response = finance_client.post(ADD_POLICY, _policy_post("Admin", [_level(-3), _level(10)]))

    # then
    assert response.status_code == 302
    policy = DunningPolicy.objects.get(name="Admin")
    levels = list(policy.levels.order_by("position").values_list("position", "offset_days"))
    assert levels == [(1, -3), (2, 10)]


def test_offsets_that_do_not_increase_are_refused_on_the_form_and_nothing_is_written(
    finance_client,
):
    # given
    levels_before = DunningLevel.objects.count()

    # when
    response = finance_client.post(
        ADD_POLICY, _policy_post("Bad", [_level(7), _level(21), _level(21)])
    )

    # then
    assert response.status_code == 200
    errors = _form_errors(response)
    assert "Level 3" in errors
    assert "offsets increase strictly" in errors
    assert not DunningPolicy.objects.filter(name="Bad").exists()
    assert DunningLevel.objects.count() == levels_before
    assert response.context["adminform"].form["name"].value() == "Bad"  # input kept


def test_an_unknown_template_field_is_refused_with_its_name_and_nothing_is_written(
    finance_client,
):
    # given
    typo = _level(7, body_en="{% for i in invoices %}{{ i.amount_due }}{% endfor %}")

    # when
    response = finance_client.post(ADD_POLICY, _policy_post("Typo", [typo]))

    # then
    assert response.status_code == 200
    errors = _form_errors(response)
    assert "body_en" in errors
    assert "amount_due" in errors
    assert "Available fields" in errors
    assert not DunningPolicy.objects.filter(name="Typo").exists()


def test_a_duplicate_name_is_shown_on_the_name_field(finance_client):
    # given
    DunningPolicyFactory(name="Taken")

    # when
    response = finance_client.post(ADD_POLICY, _policy_post("Taken", [_level(7)]))

    # then
    assert response.status_code == 200
    assert "already exists" in " ".join(response.context["adminform"].form.errors["name"])
    assert DunningPolicy.objects.filter(name="Taken").count() == 1


def test_changing_a_level_goes_through_the_same_checks(finance_client):
    # given
    first = DunningLevelFactory(offset_days=7)
    second = DunningLevelFactory(policy=first.policy, position=2, offset_days=21)
    url = reverse("admin:receivables_dunningpolicy_change", args=[first.policy.pk])
    levels = [
        {"id": str(first.pk), "policy": str(first.policy.pk), **_level(7)},
        {"id": str(second.pk), "policy": str(first.policy.pk), **_level(5)},
    ]

    # when
    refused = finance_client.post(url, _policy_post(first.policy.name, levels, initial=2))
    levels[1]["offset_days"] = "30"
    accepted = finance_client.post(url, _policy_post(first.policy.name, levels, initial=2))

    # then
    assert refused.status_code == 200
    assert "Level 2" in _form_errors(refused)
    assert accepted.status_code == 302
    second.refresh_from_db()
    assert second.offset_days == 30


def test_policies_and_levels_cannot_be_deleted_and_levels_are_changed_on_their_policy(
    superuser_client,
):
    # given
    level = DunningLevelFactory()

    # when
    policy_delete = superuser_client.post(
        reverse("admin:receivables_dunningpolicy_delete", args=[level.policy.pk]), {"post": "yes"}
    )
    level_change = superuser_client.post(
        reverse("admin:receivables_dunninglevel_change", args=[level.pk]), {"offset_days": "99"}
    )

    # then
    assert policy_delete.status_code == 403
    assert level_change.status_code == 403
    level.refresh_from_db()
    assert level.offset_days == 7


# --- pins and notices ----------------------------------------------------------


def test_pins_and_notices_are_scoped_to_the_sales_reps_customers(staff_client):
    # given
    client, rep = staff_client(roles.SALES_REP)
    own = CustomerFactory(sales_rep=rep)
    own_pin = CustomerDunningPolicyFactory(customer=own)
    own_notice = DunningNoticeFactory(customer=own)
    CustomerDunningPolicyFactory()
    DunningNoticeFactory()

    # when
    pins = client.get(changelist("customerdunningpolicy"))
    notices = client.get(changelist("dunningnotice"))

    # then
    assert [row.pk for row in pins.context["cl"].result_list] == [own_pin.pk]
    assert [row.pk for row in notices.context["cl"].result_list] == [own_notice.pk]


def test_a_customer_is_pinned_in_the_admin_through_the_service(superuser_client):
    # given
    customer = CustomerFactory()
    policy = DunningLevelFactory().policy

    # when
    response = superuser_client.post(
        reverse("admin:receivables_customerdunningpolicy_add"),
        {"customer": customer.pk, "policy": policy.pk},
    )

    # then
    assert response.status_code == 302
    assert customer.dunning_policy_pin.policy == policy


def test_a_pin_to_a_policy_without_levels_is_refused_on_the_form(superuser_client):
    # given
    customer = CustomerFactory()
    empty = DunningPolicyFactory(name="Empty")

    # when
    response = superuser_client.post(
        reverse("admin:receivables_customerdunningpolicy_add"),
        {"customer": customer.pk, "policy": empty.pk},
    )

    # then
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["adminform"].form.errors.get("policy", []))
    assert "Policy 'Empty' has no levels" in errors
    assert (
        not type(customer).objects.filter(pk=customer.pk, dunning_policy_pin__isnull=False).exists()
    )


def test_deleting_a_pin_unpins_the_customer(superuser_client):
    # given
    pin = CustomerDunningPolicyFactory(policy=DunningLevelFactory().policy)

    # when
    response = superuser_client.post(
        reverse("admin:receivables_customerdunningpolicy_delete", args=[pin.pk]), {"post": "yes"}
    )

    # then
    assert response.status_code == 302
    assert not type(pin).objects.filter(pk=pin.pk).exists()


def test_a_clerk_marks_a_sent_notice_bounced_from_the_admin(staff_client):
    # given
    from django.utils import timezone

    from customers.models import Contact
    from tests.factories.customers import ContactFactory

    clerk_client, _clerk = staff_client(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()
    contact = ContactFactory(customer=customer, email="ap@acme.example.com")
    notice = DunningNoticeFactory(
        customer=customer,
        status=DunningNoticeStatus.SENT,
        sent_at=timezone.now(),
        to_email="ap@acme.example.com",
    )

    # when
    response = clerk_client.post(
        changelist("dunningnotice"),
        {
            "action": "dunning_notice_bounce",
            "_selected_action": [notice.pk],
            "_apply": "1",
            "reason": "550 5.1.1 mailbox unavailable",
        },
    )

    # then
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.BOUNCED
    assert notice.bounce_reason == "ap@acme.example.com: 550 5.1.1 mailbox unavailable"
    assert Contact.objects.get(pk=contact.pk).is_email_valid is False


def test_notices_are_searched_by_exact_customer_code_and_filtered_by_status(superuser_client):
    # given
    wanted = DunningNoticeFactory(customer=CustomerFactory(code="ACME-1"))
    DunningNoticeFactory(customer=CustomerFactory(code="ACME-10"), status="failed")

    # when
    searched = superuser_client.get(changelist("dunningnotice"), {"q": "acme-1"})
    filtered = superuser_client.get(changelist("dunningnotice"), {"status__exact": "queued"})

    # then
    assert [row.pk for row in searched.context["cl"].result_list] == [wanted.pk]
    assert [row.pk for row in filtered.context["cl"].result_list] == [wanted.pk]


def test_a_notice_shows_its_invoices_and_cannot_be_changed_or_deleted(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    line = DunningNoticeInvoiceFactory()
    notice = line.notice
    url = reverse("admin:receivables_dunningnotice_change", args=[notice.pk])

    # when
    shown = client.get(url)
    changed = client.post(url, {"status": DunningNoticeStatus.SENT, "to_email": "x@example.com"})
    deleted = client.post(
        reverse("admin:receivables_dunningnotice_delete", args=[notice.pk]), {"post": "yes"}
    )

    # then
    assert shown.status_code == 200
    assert line.invoice.number in shown.content.decode()
    assert "1,000.00" in shown.content.decode()
    assert changed.status_code == 403
    assert deleted.status_code == 403
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.QUEUED
    assert DunningNotice.objects.filter(pk=notice.pk).exists()


def test_a_level_removed_on_the_policy_page_is_removed_by_the_service(superuser_client):
    # given
    first = DunningLevelFactory(offset_days=7)
    second = DunningLevelFactory(policy=first.policy, position=2, offset_days=21)
    url = reverse("admin:receivables_dunningpolicy_change", args=[first.policy.pk])
    levels = [
        {"id": str(first.pk), "policy": str(first.policy.pk), **_level(7)},
        {"id": str(second.pk), "policy": str(first.policy.pk), **_level(21), "DELETE": "on"},
    ]

    # when
    response = superuser_client.post(url, _policy_post(first.policy.name, levels, initial=2))

    # then
    assert response.status_code == 302
    assert list(first.policy.levels.values_list("pk", flat=True)) == [first.pk]


def test_a_level_that_produced_notices_is_retired_not_deleted(superuser_client):
    # given
    first = DunningLevelFactory(offset_days=7)
    second = DunningLevelFactory(policy=first.policy, position=2, offset_days=21)
    DunningNoticeFactory(level=second)
    url = reverse("admin:receivables_dunningpolicy_change", args=[first.policy.pk])
    levels = [
        {"id": str(first.pk), "policy": str(first.policy.pk), **_level(7)},
        {"id": str(second.pk), "policy": str(first.policy.pk), **_level(21), "DELETE": "on"},
    ]

    # when
    response = superuser_client.post(url, _policy_post(first.policy.name, levels, initial=2))

    # then: the level and its text stay for its notices, outside the active cadence
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.retired_at is not None
    assert second.offset_days == 21
    assert first.policy.levels.count() == 2
    assert list(first.policy.levels.filter(retired_at__isnull=True)) == [first]


def test_without_the_delete_right_on_levels_a_removal_is_ignored(finance_client):
    # given: the finance admin may add and change levels, not delete them
    first = DunningLevelFactory(offset_days=7)
    second = DunningLevelFactory(policy=first.policy, position=2, offset_days=21)
    url = reverse("admin:receivables_dunningpolicy_change", args=[first.policy.pk])
    levels = [
        {"id": str(first.pk), "policy": str(first.policy.pk), **_level(7)},
        {"id": str(second.pk), "policy": str(first.policy.pk), **_level(21), "DELETE": "on"},
    ]

    # when
    response = finance_client.post(url, _policy_post(first.policy.name, levels, initial=2))

    # then
    assert response.status_code == 302
    assert first.policy.levels.count() == 2
