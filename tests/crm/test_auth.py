"""The role backend: permissions and role names of a user in one query, as ModelBackend decides."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Group, Permission

from crm import roles
from crm.auth import user_group_names
from customers.selectors import user_sees_all_customers
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as the next request loads it (no caches)."""
    return get_user_model().objects.get(pk=user.pk)


def test_group_and_own_permissions_and_role_names_load_in_one_query(
    django_assert_num_queries,
):
    # given a sales rep with one extra permission of their own
    user = UserFactory(roles=[roles.SALES_REP])
    user.user_permissions.add(Permission.objects.get(codename="add_creditcheck"))
    user = _fresh(user)

    # when permissions and roles are asked for, several times
    with django_assert_num_queries(1):
        permissions = user.get_all_permissions()
        has_own = user.has_perm("credit.add_creditcheck")
        has_role = user.has_perm("customers.view_customer")
        lacks = user.has_perm("credit.change_creditprofile")
        names = user_group_names(user)
        sees_all = user_sees_all_customers(user)

    # then they come from one query, exactly as ModelBackend's would
    assert has_own
    assert has_role
    assert not lacks
    assert names == {roles.SALES_REP}
    assert not sees_all
    assert permissions == ModelBackend().get_all_permissions(_fresh(user))
    assert "credit.add_creditcheck" in permissions


def test_a_role_granted_later_applies_at_the_next_request():
    # given a user without a role whose permissions were read
    user = UserFactory()
    assert not user.has_perm("customers.view_customer")
    assert user_group_names(user) == frozenset()

    # when a credit-manager role is granted
    user.groups.add(Group.objects.get(name=roles.CREDIT_MANAGER))

    # then the next request's user object has it (the cache lives on one object only)
    again = _fresh(user)
    assert again.has_perm("customers.view_customer")
    assert user_sees_all_customers(again)


def test_inactive_anonymous_and_object_permissions_grant_nothing():
    # given an inactive credit manager and an anonymous visitor
    inactive = UserFactory(roles=[roles.CREDIT_MANAGER], is_active=False)

    # then neither has a permission, nor does anyone for an object-level question
    assert inactive.get_all_permissions() == set()
    assert not inactive.has_perm("customers.view_customer")
    assert not user_sees_all_customers(inactive)
    assert AnonymousUser().get_all_permissions() == set()
    assert user_group_names(AnonymousUser()) == frozenset()
    active = UserFactory(roles=[roles.CREDIT_MANAGER])
    assert not active.has_perm("customers.view_customer", obj=object())


def test_a_superuser_has_every_permission():
    admin = UserFactory(is_superuser=True)
    assert admin.has_perm("credit.delete_creditcheck")
    assert len(admin.get_all_permissions()) == Permission.objects.count()
    assert user_sees_all_customers(admin)
