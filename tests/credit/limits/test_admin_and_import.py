"""The back office and file imports go through the same four-eyes service."""

from decimal import Decimal

import pytest
import tablib
from django.urls import reverse

from credit.models import CreditLimitRequest, CreditProfile, LimitRequestStatus
from credit.resources import CreditLimitRequestResource
from credit.services import credit_limit_request_create, credit_limit_request_decide
from crm import roles
from crm.imports import import_error_lines
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.receivables.admin.support import apply_action, messages_of, offered_actions

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:credit_creditlimitrequest_changelist")


def _request(customer, user, limit="5000"):
    return credit_limit_request_create(
        customer_id=customer.pk, user=user, requested_limit=limit, reason="Growth"
    )


def test_the_admin_approve_action_decides_through_the_service(staff_client, thresholds):
    # given
    client, manager = staff_client(roles.CREDIT_MANAGER)
    customer = CustomerFactory()
    CreditProfileFactory(customer=customer, credit_limit=Decimal("100.00"))
    request = _request(customer, UserFactory(roles=[roles.COLLECTIONS_CLERK]))
    # when
    response = apply_action(
        client,
        CHANGELIST,
        "credit_limit_request_approve",
        [request],
        comment="ok",
        expected_status="pending",
    )
    # then
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.APPROVED
    assert request.first_decided_by == manager
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("5000.00")


def test_a_superuser_cannot_approve_their_own_request_in_the_admin(staff_client, thresholds):
    client, admin_user = staff_client(is_superuser=True)
    customer = CustomerFactory()
    CreditProfileFactory(customer=customer, credit_limit=Decimal("100.00"))
    request = _request(customer, admin_user)
    response = apply_action(
        client, CHANGELIST, "credit_limit_request_approve", [request], expected_status="pending"
    )
    texts = [text for level, text in messages_of(response) if level == "error"]
    assert len(texts) == 1
    assert "was not approved" in texts[0]
    assert "four eyes" in texts[0]
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.PENDING
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("100.00")


def test_the_decision_actions_are_offered_only_to_deciders(staff_client):
    manager_client, _m = staff_client(roles.CREDIT_MANAGER)
    clerk_client, _c = staff_client(roles.COLLECTIONS_CLERK)
    assert {"credit_limit_request_approve", "credit_limit_request_reject"} <= offered_actions(
        manager_client, CHANGELIST
    )
    assert "credit_limit_request_approve" not in offered_actions(clerk_client, CHANGELIST)


def test_the_admin_add_form_creates_through_the_service(staff_client):
    client, rep = staff_client(roles.SALES_REP)
    customer = CustomerFactory(sales_rep=rep)
    response = client.post(
        reverse("admin:credit_creditlimitrequest_add"),
        {"customer": customer.pk, "requested_limit": "-3", "reason": "x"},
    )
    assert response.status_code == 200
    assert "greater than zero" in response.content.decode()
    assert CreditLimitRequest.objects.count() == 0


def _dataset(*rows):
    headers = (
        "id", "customer", "requested_limit", "reason", "expires_on", "status", "decision",
        "comment",
    )  # fmt: skip
    return tablib.Dataset(*rows, headers=headers)


def test_an_import_creates_requests_as_the_importing_user(thresholds):
    clerk = UserFactory(roles=[roles.COLLECTIONS_CLERK])
    first, second = CustomerFactory(code="C-1"), CustomerFactory(code="C-2")
    result = CreditLimitRequestResource().import_data(
        _dataset(
            ("", "C-1", "1500.00", "Season", "", "", "", ""),
            ("", "C-2", "2500", "Season", "2099-01-31", "", "", ""),
        ),
        dry_run=False,
        user=clerk,
    )
    assert not result.has_errors()
    assert not result.has_validation_errors(), import_error_lines(result)
    rows = CreditLimitRequest.objects.order_by("customer__code")
    assert [(r.customer, r.requested_limit, r.requested_by) for r in rows] == [
        (first, Decimal("1500.00"), clerk),
        (second, Decimal("2500.00"), clerk),
    ]


def test_an_import_row_that_violates_four_eyes_rolls_back_the_whole_file(thresholds):
    # given a credit manager importing two requests, deciding the second one themselves
    manager = UserFactory(roles=[roles.CREDIT_MANAGER])
    CustomerFactory(code="C-1")
    CustomerFactory(code="C-2")
    # when
    result = CreditLimitRequestResource().import_data(
        _dataset(
            ("", "C-1", "1500.00", "Season", "", "", "", ""),
            ("", "C-2", "2500.00", "Season", "", "", "approve", "ok"),
        ),
        dry_run=False,
        user=manager,
    )
    # then the row is refused with the reason and nothing is written
    lines = import_error_lines(result)
    assert result.has_validation_errors()
    assert any("Row 2" in line and "four eyes" in line for line in lines), lines
    assert CreditLimitRequest.objects.count() == 0


def test_an_import_decides_existing_requests_through_the_service(thresholds):
    manager = UserFactory(roles=[roles.CREDIT_MANAGER])
    customer = CustomerFactory(code="C-1")
    CreditProfileFactory(customer=customer, credit_limit=Decimal("100.00"))
    other = CustomerFactory(code="C-2")
    approved = _request(customer, UserFactory(roles=[roles.COLLECTIONS_CLERK]))
    own = _request(other, manager)
    # a file approving someone else's request and the importer's own: all or nothing
    result = CreditLimitRequestResource().import_data(
        _dataset(
            (approved.pk, "", "", "", "", "pending", "approve", "ok"),
            (own.pk, "", "", "", "", "pending", "approve", "mine"),
        ),
        dry_run=False,
        user=manager,
    )
    assert result.has_validation_errors()
    approved.refresh_from_db()
    assert approved.status == LimitRequestStatus.PENDING
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("100.00")
    # the file without the importer's own row goes through
    result = CreditLimitRequestResource().import_data(
        _dataset((approved.pk, "", "", "", "", "pending", "approve", "ok")),
        dry_run=False,
        user=manager,
    )
    assert not result.has_validation_errors(), import_error_lines(result)
    approved.refresh_from_db()
    assert approved.status == LimitRequestStatus.APPROVED
    assert approved.first_decided_by == manager
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("5000.00")


def test_an_import_with_a_bad_limit_says_which_row(thresholds):
    clerk = UserFactory(roles=[roles.COLLECTIONS_CLERK])
    CustomerFactory(code="C-1")
    result = CreditLimitRequestResource().import_data(
        _dataset(
            ("", "C-1", "-10", "Season", "", "", "", ""), ("", "NOPE", "10", "x", "", "", "", "")
        ),
        dry_run=False,
        user=clerk,
    )
    lines = import_error_lines(result)
    assert any("Row 1" in line and "greater than zero" in line for line in lines), lines
    assert any("Row 2" in line and "NOPE" in line for line in lines), lines
    assert CreditLimitRequest.objects.count() == 0


def test_the_admin_decide_form_states_the_step_of_the_selected_requests(staff_client, thresholds):
    client, _manager = staff_client(roles.CREDIT_MANAGER)
    customer = CustomerFactory()
    request = _request(customer, UserFactory(roles=[roles.COLLECTIONS_CLERK]))
    response = client.post(
        CHANGELIST, {"action": "credit_limit_request_approve", "_selected_action": [request.pk]}
    )
    assert response.status_code == 200
    assert response.context["form"].initial == {"expected_status": "pending"}
    assert 'name="expected_status"' in response.content.decode()


def test_a_stale_admin_approval_is_refused_not_taken_as_the_second(staff_client, thresholds):
    # given a superuser's approve form drawn while the large request was pending, and a
    # credit manager's first approval since
    client, _admin = staff_client(is_superuser=True)
    customer = CustomerFactory()
    CreditProfileFactory(customer=customer, credit_limit=Decimal("100.00"))
    request = _request(customer, UserFactory(roles=[roles.COLLECTIONS_CLERK]), limit="250000")
    first = UserFactory(roles=[roles.CREDIT_MANAGER])
    credit_limit_request_decide(request_id=request.pk, user=first, approve=True)
    # when the form is applied
    response = apply_action(
        client, CHANGELIST, "credit_limit_request_approve", [request], expected_status="pending"
    )
    # then the row is refused with the reason, and no second approval was recorded
    texts = [text for level, text in messages_of(response) if level == "error"]
    assert len(texts) == 1
    assert "moved on" in texts[0]
    assert first.username in texts[0]
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL
    assert request.second_decided_by is None
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("100.00")


def test_an_import_row_decides_the_step_of_its_status_column(thresholds):
    # given a large request a credit manager approved after the file was exported
    both = UserFactory(roles=[roles.CREDIT_MANAGER, roles.FINANCE_ADMIN])
    customer = CustomerFactory(code="C-1")
    CreditProfileFactory(customer=customer, credit_limit=Decimal("100.00"))
    request = _request(customer, UserFactory(roles=[roles.COLLECTIONS_CLERK]), limit="250000")
    credit_limit_request_decide(
        request_id=request.pk, user=UserFactory(roles=[roles.CREDIT_MANAGER]), approve=True
    )
    # when the exported row (status pending) is imported with approve
    result = CreditLimitRequestResource().import_data(
        _dataset((request.pk, "", "", "", "", "pending", "approve", "ok")),
        dry_run=False,
        user=both,
    )
    # then it is refused, and a row without the status column says what to add
    lines = import_error_lines(result)
    assert any("Row 1" in line and "moved on" in line for line in lines), lines
    result = CreditLimitRequestResource().import_data(
        _dataset((request.pk, "", "", "", "", "", "approve", "ok")), dry_run=False, user=both
    )
    lines = import_error_lines(result)
    assert any("status" in line and "awaiting_second_approval" in line for line in lines), lines
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL
    assert request.second_decided_by is None
    # and the row stating the step it saw goes through
    result = CreditLimitRequestResource().import_data(
        _dataset((request.pk, "", "", "", "", "awaiting_second_approval", "approve", "ok")),
        dry_run=False,
        user=both,
    )
    assert not result.has_validation_errors(), import_error_lines(result)
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.APPROVED
    assert request.second_decided_by == both
