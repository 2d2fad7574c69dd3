from decimal import Decimal

import pytest

from crm.money import quantize


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.675", "USD", Decimal("2.68")),
        ("2.665", "USD", Decimal("2.66")),  # half-even: to the even cent
        ("0.125", "EUR", Decimal("0.12")),
        ("1000.5", "JPY", Decimal("1000")),
        ("1001.5", "JPY", Decimal("1002")),
        (Decimal("7"), "CNY", Decimal("7.00")),
    ],
)
def test_quantize_rounds_half_even_to_the_minor_unit(amount, currency, expected):
    assert quantize(amount, currency) == expected
    assert str(quantize(amount, currency)) == str(expected)


def test_quantize_refuses_floats_and_unknown_currencies():
    with pytest.raises(TypeError):
        quantize(1.5, "USD")
    with pytest.raises(ValueError, match="unknown currency"):
        quantize("1", "ZZZ")
    with pytest.raises(ValueError, match="not a number"):
        quantize("abc", "USD")
