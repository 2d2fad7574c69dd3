import pytest
from django.core.cache import cache

from crm.health import HEARTBEAT_KEY
from crm.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_health_reports_missing_background_jobs_until_the_heartbeat_ran(client):
    # given
    cache.delete(HEARTBEAT_KEY)
    # when
    before = client.get("/healthz/").json()
    heartbeat.delay()  # eager in tests, as the worker would run it
    after = client.get("/healthz/").json()
    # then
    assert before["database"] == "ok"
    assert before["background_jobs"].startswith("no heartbeat yet")
    assert after["background_jobs"] == "ok"
    assert after["status"] == "ok"
