from decimal import Decimal

import pytest

from crm.exports import spreadsheet_safe


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-12.50", "-12.50"),  # a number written as text stays a number
        ("+7", "+7"),
        ("Acme GmbH", "Acme GmbH"),
        ("", ""),
        (Decimal("-5.00"), Decimal("-5.00")),
        (None, None),
    ],
)
def test_text_a_spreadsheet_would_run_gets_a_leading_apostrophe(value, written):
    assert spreadsheet_safe(value) == written
