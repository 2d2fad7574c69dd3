import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured

from crm.admin.lists import ExactKeySearchMixin
from crm.imports import ServiceResource
from customers.models import Customer


def test_an_admin_without_its_search_hook_is_refused_when_built_with_the_hooks_name():
    class Incomplete(ExactKeySearchMixin, admin.ModelAdmin):
        pass

    with pytest.raises(ImproperlyConfigured, match="Incomplete must define exact_keys"):
        Incomplete(Customer, admin.site)


def test_an_import_resource_without_its_service_hook_is_refused():
    class IncompleteResource(ServiceResource):
        class Meta:
            model = Customer

    with pytest.raises(ImproperlyConfigured, match="must define save_through_service"):
        IncompleteResource()
