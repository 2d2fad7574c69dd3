from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credit.models import CreditCheck, CreditHoldEvent, CreditProfile, CreditReview
from crm import roles
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db

ANONYMOUS, NO_ROLE = "anonymous", "no_role"
CLERK, CREDIT, REP, ADMIN, INTEGRATOR = (
    roles.COLLECTIONS_CLERK, roles.CREDIT_MANAGER, roles.SALES_REP, roles.FINANCE_ADMIN, roles.INTEGRATOR,
)  # fmt: skip
EVERY_ROLE = frozenset(roles.ROLES)

# page -> (method, roles allowed). A sales rep acts on their own customer.
PAGES = {
    "customer": ("get", EVERY_ROLE),
    "hold-place": ("post", frozenset({CREDIT, ADMIN})),
    "hold-release": ("post", frozenset({CREDIT, ADMIN})),
    "review-complete": ("post", frozenset({CREDIT, ADMIN})),
    "check": ("get", frozenset({CREDIT, REP, ADMIN, INTEGRATOR})),
    "reviews": ("get", frozenset({CREDIT, ADMIN})),
}
BODIES = {
    "hold-place": {"reason": "Matrix"},
    "hold-release": {"reason": "Matrix"},
    "review-complete": {"decision": "keep", "comment": "Matrix"},
}


def _client(caller):
    client = Client()
    user = None
    if caller != ANONYMOUS:
        user = UserFactory(roles=[] if caller == NO_ROLE else [caller])
        client.force_login(user)
    return client, user


@pytest.mark.parametrize("caller", [ANONYMOUS, NO_ROLE, *roles.ROLES])
@pytest.mark.parametrize("page", list(PAGES))
def test_page_permission_matrix(page, caller):
    # given a caller and a customer they could see (on hold, for the release page)
    client, user = _client(caller)
    profile = CreditProfileFactory(
        customer=CustomerFactory(sales_rep=user if caller == REP else None)
    )
    if page == "hold-release":
        CreditProfile.objects.filter(pk=profile.pk).update(
            is_on_hold=True, hold_reason="Before", hold_since=timezone.now()
        )
    method, allowed = PAGES[page]
    args = [] if page in ("check", "reviews") else [profile.customer_id]

    # when the caller opens or submits the page
    response = getattr(client, method)(reverse(f"credit:{page}", args=args), BODIES.get(page, {}))

    # then it is served (a form submission redirects back), or refused
    if caller == ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif caller in allowed:
        assert response.status_code == (302 if method == "post" else 200)
    else:
        assert response.status_code == 403
        assert CreditHoldEvent.objects.count() == 0
        assert CreditReview.objects.count() == 0


def test_profile_page_shows_limit_exposure_available_and_hold_history():
    # given a customer with 800.00 open and a hold placed and released
    client, manager = _client(CREDIT)
    profile = CreditProfileFactory(credit_limit=Decimal("3000.00"))
    InvoiceFactory(
        customer=profile.customer, total=Decimal("800.00"), issue_date=timezone.localdate()
    )
    url = reverse("credit:customer", args=[profile.customer_id])
    client.post(reverse("credit:hold-place", args=[profile.customer_id]), {"reason": "Late again"})
    client.post(reverse("credit:hold-release", args=[profile.customer_id]), {"reason": "Paid"})

    # when the page is opened
    response = client.get(url)

    # then it shows the figures, the history with who and why, and the slots
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="limit">3,000.00<' in html
    assert 'data-testid="exposure">800.00<' in html
    assert 'data-testid="available">2,200.00<' in html
    assert "Late again" in html
    assert "Paid" in html
    assert manager.username in html
    assert "Not on hold" in html
    assert "{# limit history" not in html  # a template comment, not shown


def test_a_sales_rep_does_not_see_another_reps_customer():
    client, _rep = _client(REP)
    other = CreditProfileFactory(customer=CustomerFactory(sales_rep=UserFactory(roles=[REP])))
    response = client.get(reverse("credit:customer", args=[other.customer_id]))
    assert response.status_code == 404


def test_hold_without_a_reason_shows_an_error_and_changes_nothing():
    client, _user = _client(CREDIT)
    profile = CreditProfileFactory()
    response = client.post(
        reverse("credit:hold-place", args=[profile.customer_id]), {"reason": ""}, follow=True
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    profile.refresh_from_db()
    assert profile.is_on_hold is False


def test_sales_rep_runs_a_check_from_the_form_and_sees_the_reasons():
    # given a rep's customer with a limit of 1000.00
    client, rep = _client(REP)
    profile = CreditProfileFactory(
        customer=CustomerFactory(sales_rep=rep), credit_limit=Decimal("1000.00")
    )

    # when the rep checks an order of 1500.00
    response = client.post(
        reverse("credit:check"),
        {"customer": profile.customer.code, "order_amount": "1500.00", "currency": "",
         "order_reference": "SO-77"},
    )  # fmt: skip

    # then the failure and its reason are shown, and the check is logged
    html = response.content.decode()
    assert response.status_code == 200
    assert "Fail" in html
    assert 'data-code="over_limit"' in html
    check = CreditCheck.objects.get()
    assert (check.requested_by, check.order_amount) == (rep, Decimal("1500.00"))


def test_sales_rep_cannot_check_another_reps_customer_from_the_form():
    client, _rep = _client(REP)
    other = CreditProfileFactory(customer=CustomerFactory(sales_rep=UserFactory(roles=[REP])))
    response = client.post(
        reverse("credit:check"),
        {"customer": other.customer.code, "order_amount": "10.00", "order_reference": "X"},
    )
    assert response.status_code == 400
    assert "No customer with this code" in response.content.decode()
    assert CreditCheck.objects.count() == 0


def test_review_queue_page_lists_due_customers():
    from credit.services import credit_review_schedules_ensure

    client, _user = _client(CREDIT)
    profile = CreditProfileFactory(customer=CustomerFactory(name="Due Soon Ltd"))
    credit_review_schedules_ensure()
    type(profile.customer.credit_review_schedule).objects.update(
        next_review_on=timezone.localdate()
    )
    response = client.get(reverse("credit:reviews"))
    assert response.status_code == 200
    assert "Due Soon Ltd" in response.content.decode()


def test_a_profile_page_for_an_impossibly_large_id_is_404():
    client, _manager = _client(CREDIT)
    response = client.get(reverse("credit:customer", args=[10**25]))
    assert response.status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999", "10001", "0", "two"])
def test_the_review_queue_answers_a_page_out_of_range_with_a_400_that_says_why(page):
    # given
    client, _user = _client(CREDIT)
    client.raise_request_exception = False
    # when
    response = client.get(reverse("credit:reviews"), {"page": page})
    # then a clear 400, not a server error
    assert response.status_code == 400
    content = response.content.decode()
    assert 'role="alert"' in content
    assert "Page:" in content


@pytest.mark.parametrize("page", ["1", "2", "10000"])
def test_the_review_queue_shows_any_page_up_to_the_maximum(page):
    client, _user = _client(CREDIT)
    response = client.get(reverse("credit:reviews"), {"page": page})
    assert response.status_code == 200
    assert f"Page {page}" in response.content.decode()
