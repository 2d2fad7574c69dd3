"""The demo_users command: one login per role with a known password, only on demo sites."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.authtoken.models import Token

from crm import roles
from customers.models import Customer
from tests.demo.conftest import seed

pytestmark = pytest.mark.django_db

EXPECTED = {
    "clerk": roles.COLLECTIONS_CLERK,
    "credit": roles.CREDIT_MANAGER,
    "sales": roles.SALES_REP,
    "finance": roles.FINANCE_ADMIN,
    "integrator": roles.INTEGRATOR,
}


def test_creates_one_staff_login_per_role_that_can_log_in(settings):
    # given a development site
    settings.DEBUG = True
    out = StringIO()
    # when the command runs
    call_command("demo_users", stdout=out)
    # then each login exists in its role, is staff, and logs in with demo-<username>
    users = get_user_model().objects
    for username, role in EXPECTED.items():
        user = users.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.is_staff
        assert not user.is_superuser
        assert Client().login(username=username, password=f"demo-{username}")
    admin = users.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert Client().login(username="admin", password="demo-admin")
    # and the table and the integrator's token are printed
    text = out.getvalue()
    for username in [*EXPECTED, "admin"]:
        assert f"demo-{username}" in text
    assert Token.objects.get(user__username="integrator").key in text


def test_running_again_resets_passwords_and_keeps_the_token(settings):
    # given demo logins whose password was changed
    settings.DEBUG = True
    call_command("demo_users", stdout=StringIO())
    clerk = get_user_model().objects.get(username="clerk")
    clerk.set_password("something else")
    clerk.save()
    token = Token.objects.get(user__username="integrator").key
    # when the command runs again
    out = StringIO()
    call_command("demo_users", stdout=out)
    # then the demo password works again and the integrator keeps its token
    assert Client().login(username="clerk", password="demo-clerk")
    assert Token.objects.get(user__username="integrator").key == token
    assert get_user_model().objects.filter(username="clerk").count() == 1
    assert "reset" in out.getvalue()


def test_the_sales_login_is_the_rep_that_owns_demo_customers(settings):
    # given a generated portfolio, whose first rep is "sales"
    settings.DEBUG = True
    seed(customers=20)
    owned = Customer.objects.filter(sales_rep__username="sales").count()
    # when the demo logins are created
    call_command("demo_users", stdout=StringIO())
    # then "sales" keeps its customers and can log in
    assert owned > 0
    assert Customer.objects.filter(sales_rep__username="sales").count() == owned
    assert Client().login(username="sales", password="demo-sales")


def test_refuses_without_debug(settings):
    # given a site with DEBUG off
    settings.DEBUG = False
    # when the command runs without --force
    with pytest.raises(CommandError) as error:
        call_command("demo_users", stdout=StringIO())
    # then it explains the risk and the way out, and creates nobody
    assert "publicly known passwords" in str(error.value)
    assert "--force" in str(error.value)
    assert not get_user_model().objects.filter(username__in=[*EXPECTED, "admin"]).exists()


def test_force_creates_the_logins_without_debug(settings):
    # given a site with DEBUG off
    settings.DEBUG = False
    # when the command runs with --force
    call_command("demo_users", force=True, stdout=StringIO())
    # then the logins exist
    assert Client().login(username="finance", password="demo-finance")
