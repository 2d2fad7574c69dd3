"""A real Celery worker, in its own process, consuming from a real Redis broker.

Creating a customer announces ``customer_created``; credit's receiver enqueues
``credit_profile_ensure`` after commit; the worker creates the profile in the
same PostgreSQL database the test wrote to.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from credit.models import CreditProfile
from crm.celery import app as celery_app
from customers.services import customer_create

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker():
    """Start ``celery worker`` on a queue of its own; stop it afterwards."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo", "-Q", queue,
         "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        yield queue
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output)


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
