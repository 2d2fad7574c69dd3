"""The chunk's statistics as the CSV the load table is filled from."""

import csv
import io

import numpy as np
import pandas as pd

from analytics.pipeline.write import LOAD_COLUMNS, load_csv


def _frame(**overrides) -> pd.DataFrame:
    row = {
        "r_score": 5.0,
        "f_score": np.nan,
        "m_score": 1.0,
        "rfm_segment": "champions",
        "clv": 1234.5678906,
        "clv_method": "bgnbd_gg",
        "expected_invoices": 3.25,
        "probability_alive": np.nan,
        "expected_margin_per_invoice": -0.0000004,
        "usual_gap_days": np.inf,
        "is_churn_warning": True,
        "churn_reason": "",
        "value_percentile": 99.5,
        "tier_decided": "",
        "tier_rule_id": None,
        "tier_rule_name": "",
        "notes": [],
    }
    row.update(overrides)
    return pd.DataFrame([row], index=pd.Index([42], name="customer_id"))


def test_load_csv_writes_six_decimals_and_leaves_missing_numbers_empty():
    # given one customer with missing and non-finite figures
    frame = _frame()

    # when
    [fields] = list(csv.reader(io.StringIO(load_csv(frame))))

    # then every column is there, in order, floats with six decimals
    assert dict(zip(LOAD_COLUMNS, fields, strict=True)) == {
        "customer_id": "42",
        "r_score": "5",
        "f_score": "",
        "m_score": "1",
        "rfm_segment": "champions",
        "clv": "1234.567891",
        "clv_method": "bgnbd_gg",
        "expected_invoices": "3.250000",
        "probability_alive": "",
        "expected_margin_per_invoice": "-0.000000",
        "usual_gap_days": "",
        "is_churn_warning": "1",
        "churn_reason": "",
        "value_percentile": "99.500000",
        "tier": "",
        "tier_rule_id": "",
        "tier_rule_name": "",
        "notes": "[]",
    }


def test_load_csv_quotes_texts_with_commas_quotes_and_line_breaks():
    # given texts that need quoting in CSV
    frame = _frame(
        churn_reason="no invoice for 90 days, 3.0× the usual gap",
        tier_rule_name='VIP "gold"\nline two',
        notes=["No FX rate for EUR, GBP"],
        tier_rule_id=7,
    )

    # when
    [fields] = list(csv.reader(io.StringIO(load_csv(frame))))

    # then they read back unchanged
    values = dict(zip(LOAD_COLUMNS, fields, strict=True))
    assert values["churn_reason"] == "no invoice for 90 days, 3.0× the usual gap"
    assert values["tier_rule_name"] == 'VIP "gold"\nline two'
    assert values["notes"] == '["No FX rate for EUR, GBP"]'
    assert values["tier_rule_id"] == "7"


def test_load_csv_of_no_customers_is_empty():
    assert load_csv(_frame().iloc[:0]) == ""
