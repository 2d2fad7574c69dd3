from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from receivables.collections.config import worklist_config


def test_defaults():
    config = worklist_config()
    assert config.default_pd == Decimal("0.05")
    assert config.bucket_boosts == tuple(Decimal(x) for x in ("1", "1.25", "1.5", "1.75", "2"))
    assert config.bucket_boost(0) == Decimal(1)
    assert config.bucket_boost(3) == Decimal("1.5")
    assert config.bucket_boost(7) == Decimal("2")  # the last one repeats


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CRM_WORKLIST_DEFAULT_PD", "high", "CRM_WORKLIST_DEFAULT_PD='high' is not a number"),
        ("CRM_WORKLIST_DEFAULT_PD", "1.5", "must be between 0 and 1"),
        ("CRM_WORKLIST_BUCKET_BOOSTS", "1,0.5", "must be at least 1"),
        ("CRM_WORKLIST_BUCKET_BOOSTS", " , ", "CRM_WORKLIST_BUCKET_BOOSTS is empty"),
        ("CRM_WORKLIST_BROKEN_PROMISE_BOOST", "NaN", "must be at least 1"),
    ],
)
def test_bad_settings_name_the_setting(settings, name, value, message):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured) as error:
        worklist_config()
    assert message in str(error.value)
