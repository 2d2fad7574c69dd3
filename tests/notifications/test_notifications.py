from decimal import Decimal

import pytest
from django.core import mail

from crm.exceptions import ValidationFailed
from customers.models import Customer
from customers.services import customer_risk_set_many
from notifications.models import Notification
from notifications.selectors import notification_unread_count
from notifications.services import notification_mark_read, notification_send
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def test_notification_send_writes_rows_and_emails_after_commit(
    django_capture_on_commit_callbacks,
):
    # given
    rep = UserFactory(email="rep@example.com")
    inactive = UserFactory(is_active=False)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        rows = notification_send(
            recipient_ids=[rep.pk, rep.pk, None, inactive.pk],
            kind="credit_hold_placed",
            title="Acme is on hold",
            body="Grade E",
            url="/credit/",
        )
    # then
    assert [row.recipient_id for row in rows] == [rep.pk]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rep@example.com"]
    assert mail.outbox[0].subject == "Acme is on hold"
    assert Notification.objects.get().emailed_at is not None


def test_notification_send_after_rollback_emails_nobody(django_capture_on_commit_callbacks):
    # given
    rep = UserFactory()
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification_send(recipient_ids=[rep.pk], kind="k", title="t")
    # then: the email waits for the commit that a rollback never gives
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_notification_send_without_title_is_rejected_and_writes_nothing():
    rep = UserFactory()
    with pytest.raises(ValidationFailed):
        notification_send(recipient_ids=[rep.pk], kind="k", title="")
    assert Notification.objects.count() == 0


def test_mark_read_touches_only_the_users_own_rows():
    # given
    alice, bob = UserFactory(), UserFactory()
    notification_send(recipient_ids=[alice.pk, bob.pk], kind="k", title="t", email=False)
    # when
    changed = notification_mark_read(user_id=alice.pk)
    # then
    assert changed == 1
    assert notification_unread_count(user_id=alice.pk) == 0
    assert notification_unread_count(user_id=bob.pk) == 1


def test_inbox_lists_the_users_notifications_and_marks_them_read(client):
    # given
    user = UserFactory()
    notification_send(recipient_ids=[user.pk], kind="k", title="Limit approved", email=False)
    client.force_login(user)
    # when
    page = client.get("/notifications/")
    client.post("/notifications/read/")
    # then
    assert page.status_code == 200
    assert "Limit approved" in page.content.decode()
    assert notification_unread_count(user_id=user.pk) == 0


def test_inbox_requires_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_customer_risk_set_many_writes_grade_and_probability():
    # given
    first, second = CustomerFactory(), CustomerFactory()
    # when
    written = customer_risk_set_many(
        risks={first.pk: ("B", Decimal("0.0310")), second.pk: ("E", Decimal("0.4200"))}
    )
    # then
    assert written == 2
    assert Customer.objects.get(pk=first.pk).risk_grade == "B"
    assert Customer.objects.get(pk=second.pk).probability_of_default == Decimal("0.4200")


def test_customer_risk_set_many_rejects_a_probability_outside_0_1():
    customer = CustomerFactory()
    with pytest.raises(ValidationFailed):
        customer_risk_set_many(risks={customer.pk: ("A", Decimal("1.5"))})
    assert Customer.objects.get(pk=customer.pk).risk_grade == ""
