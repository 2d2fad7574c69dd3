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


def test_a_cache_that_is_down_is_reported_without_failing_the_check(client, settings):
    # given a cache (Redis in production) on a port nothing listens on
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": "redis://127.0.0.1:1/0"}
    }  # fmt: skip
    # when
    response = client.get("/healthz/")
    # then the pages still work (the database answers): 200, with the cache's state
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["cache"].startswith("error: ConnectionError")
    assert body["background_jobs"].startswith("unknown")


def test_a_database_error_names_its_kind_only(client, monkeypatch):
    # given a database that refuses (the endpoint is public: no host or user in the answer)
    from django.db import OperationalError

    from crm import health

    class Refusing:
        def __enter__(self):
            raise OperationalError('connection to server at "db.internal" (10.0.0.5) failed')

        def __exit__(self, *args):
            return False

    monkeypatch.setattr(health.connection, "cursor", lambda: Refusing())
    # when
    response = client.get("/healthz/")
    # then
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError (details in the web log)"
