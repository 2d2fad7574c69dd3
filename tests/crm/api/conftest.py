import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """The token endpoint is throttled per address through the cache; start each test at zero."""
    cache.clear()
    yield
    cache.clear()
