import pytest
from django.contrib.auth.backends import ModelBackend
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm import roles
from crm.api.authentication import TokenAuthentication
from customers.selectors import user_sees_all_customers
from receivables.models import Invoice
from tests.crm.api.support import assert_error
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

TOKEN = reverse("auth-token")
PASSWORD = "correct horse battery staple"


def test_obtain_returns_a_token_that_authenticates(api_client, make_user):
    # given an integrator and a customer
    user = make_user(roles.INTEGRATOR)
    customer = CustomerFactory()

    # when they trade username and password for a token and use it
    obtained = api_client.post(
        TOKEN, {"username": user.username, "password": PASSWORD}, format="json"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {obtained.json()['token']}")
    listed = client.get(reverse("customer-list"))
    posted = client.post(
        reverse("invoice-list"),
        {"customer": customer.pk, "number": "ERP-1", "issue_date": "2026-09-01", "total": "10"},
        format="json",
    )

    # then the token is theirs and works for reads and writes (no CSRF token needed)
    assert obtained.status_code == 200
    assert obtained.json() == {"token": Token.objects.get(user=user).key}
    assert listed.status_code == 200
    assert posted.status_code == 201, posted.content
    assert Invoice.objects.filter(number="ERP-1").exists()


def test_obtain_twice_returns_the_same_token(api_client, make_user):
    # given a user
    user = make_user(roles.INTEGRATOR)
    credentials = {"username": user.username, "password": PASSWORD}

    # when a token is asked for twice
    first = api_client.post(TOKEN, credentials, format="json").json()["token"]
    second = api_client.post(TOKEN, credentials, format="json").json()["token"]

    # then it is the same one
    assert first == second
    assert Token.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"username": "nobody", "password": PASSWORD},
        {"password": PASSWORD},
        {"username": "x" * 10_000, "password": "y"},
    ],
)
def test_obtain_refuses_bad_credentials(api_client, make_user, body):
    # given a user
    make_user(roles.INTEGRATOR)

    # when wrong or missing credentials are sent
    response = api_client.post(TOKEN, body, format="json")

    # then it is a 400 and no token is created
    assert_error(response, 400, "invalid")
    assert Token.objects.count() == 0


def test_obtain_refuses_a_wrong_password_and_an_inactive_user(api_client, make_user):
    # given an active and an inactive user
    active = make_user(roles.INTEGRATOR)
    inactive = make_user(roles.INTEGRATOR, is_active=False)

    # when the wrong password, or the inactive user's right one, is sent
    wrong = api_client.post(TOKEN, {"username": active.username, "password": "nope"}, format="json")
    gone = api_client.post(
        TOKEN, {"username": inactive.username, "password": PASSWORD}, format="json"
    )

    # then both are refused
    assert_error(wrong, 400, "invalid")
    assert_error(gone, 400, "invalid")
    assert Token.objects.count() == 0


def test_obtain_with_malformed_json_is_400(api_client):
    # when the body is not JSON
    response = api_client.post(TOKEN, "{username:", content_type="application/json")

    # then it says so
    assert_error(response, 400, "malformed_request")


def test_a_wrong_token_is_refused(api_client):
    # given a made-up token
    api_client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    # when it is used
    response = api_client.get(reverse("customer-list"))

    # then it is refused as unauthenticated
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_token_of_a_user_without_the_role_is_refused(api_client, make_user):
    # given a token of a user with no role
    user = make_user()
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # when it is used
    response = api_client.get(reverse("invoice-list"))

    # then the role decides
    assert_error(response, 403, "permission_denied")


def test_a_token_of_an_inactive_user_is_refused(api_client, make_user):
    # given an integrator with a token who has since been deactivated
    user = make_user(roles.INTEGRATOR)
    token = Token.objects.create(user=user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    # when the token is used
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.get(reverse("customer-list"))

    # then it is a 401 that says why
    body = assert_error(response, 401, ("authentication_failed", "not_authenticated"))
    assert "inactive" in body["message"]


def test_a_token_request_reads_token_user_and_roles_in_one_query(
    api_client, make_user, django_assert_max_num_queries
):
    # given an integrator's token
    token = Token.objects.create(user=make_user(roles.INTEGRATOR))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # when a customer list is read: token with its user and roles (1), count, page
    with django_assert_max_num_queries(3):
        response = api_client.get(reverse("customer-list"))

    # then it is allowed
    assert response.status_code == 200


@pytest.mark.parametrize("kind", ["sales_rep", "superuser"])
def test_the_token_user_carries_the_same_permissions_as_django_s_backend(
    make_user, django_assert_max_num_queries, kind
):
    # given a sales rep, or a superuser without any assigned permission, with a token
    user = make_user(roles.SALES_REP) if kind == "sales_rep" else make_user(is_superuser=True)
    token = Token.objects.create(user=user)

    # when the token is authenticated (one query) and its roles are asked for
    with django_assert_max_num_queries(1 if kind == "sales_rep" else 3):
        authenticated, _token = TokenAuthentication().authenticate_credentials(token.key)
        permissions = authenticated.get_all_permissions()
        sees_all = user_sees_all_customers(authenticated)

    # then they are what Django's own ModelBackend computes for a fresh user object
    fresh = type(user).objects.get(pk=user.pk)
    assert permissions == ModelBackend().get_all_permissions(fresh)
    assert permissions
    assert sees_all == (kind == "superuser")
    assert _token.key == token.key
