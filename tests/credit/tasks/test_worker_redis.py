"""A real Celery worker, in its own process, consuming from a real Redis broker.

Creating a customer announces ``customer_created``; credit's receiver enqueues
``credit_profile_ensure`` after commit; the worker creates the profile in the
same PostgreSQL database the test wrote to.
"""

import time

import pytest

from credit.models import CreditProfile
from crm.celery import app as celery_app
from customers.services import customer_create
from tests.support.celery_worker import celery_worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    """Start ``celery worker`` on a queue of its own; stop it afterwards."""
    with celery_worker() as queue:
        yield queue


def test_worker_executes_the_task_enqueued_after_commit(worker, settings):
    # given: tasks go to the broker, not run inline
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = worker
    try:
        # when
        customer = customer_create(
            code="W-1", name="Worker Test Ltd", industry="retail", region="europe",
            sales_channel="direct", currency="EUR",
        )  # fmt: skip
        # then: the worker process creates the credit profile
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
            and not CreditProfile.objects.filter(customer=customer).exists()
        ):
            time.sleep(0.2)
        profile = CreditProfile.objects.get(customer=customer)
        assert profile.currency == "EUR"
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_default_queue = "celery"
