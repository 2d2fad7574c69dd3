"""Customer statements from the customer list: one PDF, or many in the background.

The actions are receivables' and are contributed to the customers' admin
through ``crm.admin.contribute_actions`` (customers does not import receivables).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from crm import roles
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory
from tests.receivables.admin.support import (
    changelist,
    messages_of,
    offered_actions,
    start_action,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

CUSTOMERS = changelist("customer", app_label="customers")


def test_download_returns_the_pdf_of_the_one_selected_customer(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory(code="STMT01")
    InvoiceFactory(customer=customer)

    # when
    response = start_action(client, CUSTOMERS, "statement_download", [customer])

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="statement-STMT01-{timezone.localdate()}.pdf"'
    )
    assert response.content.startswith(b"%PDF")


def test_download_of_several_customers_is_refused(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    customers = CustomerFactory.create_batch(2)

    # when
    response = start_action(client, CUSTOMERS, "statement_download", customers)

    # then
    assert response.status_code == 302
    assert messages_of(response) == [
        (
            "error",
            "“Download the statement (PDF) of one customer” works on one customer at a time; "
            "select exactly one.",
        )
    ]


def test_render_enqueues_batches_after_commit_and_says_where_files_go(
    staff_client, monkeypatch, django_capture_on_commit_callbacks
):
    # given
    from receivables.admin import statements
    from receivables.tasks import statements_render

    monkeypatch.setattr(statements, "BATCH_SIZE", 2)
    calls = []
    monkeypatch.setattr(statements_render, "delay", lambda **kwargs: calls.append(kwargs))
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    customers = CustomerFactory.create_batch(5)
    today = timezone.localdate().isoformat()

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = start_action(client, CUSTOMERS, "statements_render", customers)
    queued_before_commit = list(calls)
    for callback in callbacks:
        callback()

    # then
    ids = sorted(customer.pk for customer in customers)
    assert queued_before_commit == []
    assert calls == [
        {"customer_ids": ids[0:2], "as_of": today},
        {"customer_ids": ids[2:4], "as_of": today},
        {"customer_ids": ids[4:5], "as_of": today},
    ]
    assert messages_of(response) == [
        (
            "success",
            "Rendering the statements of 5 customers in the background (3 tasks of up to 2). "
            f"The PDFs go to the default file storage under statements/{today}/<customer code>.pdf; "
            "rendering again today replaces them.",
        )
    ]


def test_render_of_a_whole_list_uses_select_across(
    staff_client, monkeypatch, django_capture_on_commit_callbacks
):
    # given
    from receivables.tasks import statements_render

    calls = []
    monkeypatch.setattr(statements_render, "delay", lambda **kwargs: calls.append(kwargs))
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    customers = CustomerFactory.create_batch(3)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        start_action(client, CUSTOMERS, "statements_render", customers[:1], select_across="1")

    # then
    assert [call["customer_ids"] for call in calls] == [sorted(c.pk for c in customers)]


def test_sales_rep_renders_only_own_customers(
    staff_client, make_user, monkeypatch, django_capture_on_commit_callbacks
):
    # given
    from receivables.tasks import statements_render

    calls = []
    monkeypatch.setattr(statements_render, "delay", lambda **kwargs: calls.append(kwargs))
    client, rep = staff_client(roles.SALES_REP)
    mine = CustomerFactory(sales_rep=rep)
    theirs = CustomerFactory(sales_rep=make_user(roles.SALES_REP))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        start_action(client, CUSTOMERS, "statements_render", [mine, theirs])
    refused = start_action(client, CUSTOMERS, "statement_download", [theirs])

    # then
    assert [call["customer_ids"] for call in calls] == [[mine.pk]]
    assert refused.status_code == 302
    assert messages_of(refused)[-1] == (
        "warning",
        "None of the selected customers is one you may see; nothing was changed.",
    )


def test_statement_actions_need_the_view_invoice_permission(staff_client, monkeypatch):
    # given a staff user who may see customers but no invoices
    from receivables.tasks import statements_render

    calls = []
    monkeypatch.setattr(statements_render, "delay", lambda **kwargs: calls.append(kwargs))
    client, user = staff_client(is_superuser=False)
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    customer = CustomerFactory()
    clerk, _clerk = staff_client(roles.COLLECTIONS_CLERK)

    # when
    offered = offered_actions(client, CUSTOMERS)
    response = start_action(client, CUSTOMERS, "statement_download", [customer])

    # then
    assert offered == set()
    assert response.status_code == 200  # no action to run: the list is shown again
    assert not response["Content-Type"].startswith("application/pdf")
    assert calls == []
    assert offered_actions(clerk, CUSTOMERS) == {"statement_download", "statements_render"}


def test_customer_page_has_a_statement_button(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()

    # when
    content = client.get(reverse("admin:customers_customer_change", args=[customer.pk])).content

    # then
    assert b'value="statement_download"' in content
    assert b'value="statements_render"' not in content  # a list action only
