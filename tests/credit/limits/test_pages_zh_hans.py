"""The limit pages speak Simplified Chinese to a zh-hans browser."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from credit.services import credit_limit_request_create
from crm import roles
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _pending_request():
    customer = CustomerFactory()
    CreditProfileFactory(customer=customer, credit_limit=Decimal("100.00"))
    return credit_limit_request_create(
        customer_id=customer.pk,
        user=UserFactory(roles=[roles.COLLECTIONS_CLERK]),
        requested_limit="500",
        reason="x",
    )


def test_a_stale_decision_in_the_inbox_says_reload_in_chinese(client, thresholds):
    # given a credit manager reading the inbox in Chinese
    request = _pending_request()
    client.force_login(UserFactory(roles=[roles.CREDIT_MANAGER]))
    # when a form without the step it decides is sent
    response = client.post(
        reverse("credit_limits:approval-decide", args=[request.pk]),
        {"decision": "approve"},
        follow=True,
        **CHINESE,
    )
    # then the inbox asks in Chinese to reload, and the request is still pending
    page = response.content.decode()
    assert response.status_code == 200
    assert "此页面已过期，请刷新后重新审批。" in page
    assert "out of date" not in page
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_admin_decide_form_names_the_steps_in_chinese(staff_client, thresholds):
    # given a credit manager's back office in Chinese
    client, _manager = staff_client(roles.CREDIT_MANAGER)
    request = _pending_request()
    # when the approve action is chosen for a pending request
    response = client.post(
        reverse("admin:credit_creditlimitrequest_changelist"),
        {"action": "credit_limit_request_approve", "_selected_action": [request.pk]},
        **CHINESE,
    )
    # then the step field, its choices and its help are in Chinese
    page = response.content.decode()
    assert response.status_code == 200
    assert "您审批的环节" in page
    assert "初审（待处理的申请）" in page
    assert "二次审批（等待二次审批的申请）" in page
    assert "所选申请中已处于其他环节的" in page


def test_the_review_queue_explains_a_bad_page_in_chinese():
    # given a credit manager reading the review queue in Chinese
    client = Client(**CHINESE)
    client.force_login(UserFactory(roles=[roles.CREDIT_MANAGER]))
    # when a page out of range is asked for
    response = client.get(reverse("credit:reviews"), {"page": "0"})
    # then the 400 names the field and links back in Chinese
    page = response.content.decode()
    assert response.status_code == 400
    assert "页:" in page
    assert "返回第一页" in page
