"""RFM quintile scores and the segment mapping."""

import numpy as np

from analytics.stats import rfm


def test_quintile_scores_put_each_fifth_in_its_own_score():
    # given ten customers with distinct values
    values = np.arange(1.0, 11.0)
    edges = rfm.quintile_edges(values)

    # when
    higher = rfm.higher_is_better(values, edges)
    lower = rfm.lower_is_better(values, edges)

    # then
    assert higher.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert lower.tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_missing_values_have_no_score():
    assert np.isnan(rfm.higher_is_better(np.array([np.nan]), [1.0, 2.0, 3.0, 4.0])[0])


def test_every_score_combination_gets_exactly_the_documented_segment():
    # given every (R, F, M)
    r, f, m = (np.array(axis).ravel() for axis in np.meshgrid(*[range(1, 6)] * 3))

    # when
    names = rfm.segments(r, f, m)

    # then no combination is left without a segment
    assert "" not in set(names)
    expected = {
        (5, 5, 5): "champions",
        (4, 4, 4): "champions",
        (4, 3, 3): "loyal",
        (3, 5, 5): "loyal",
        (5, 1, 2): "potential",
        (3, 2, 3): "potential",
        (2, 5, 5): "at_risk",
        (1, 3, 3): "at_risk",
        (2, 1, 1): "hibernating",
        (1, 2, 3): "lost",
    }
    for (score_r, score_f, score_m), name in expected.items():
        index = np.flatnonzero((r == score_r) & (f == score_f) & (m == score_m))[0]
        assert names[index] == name, (score_r, score_f, score_m)


def test_percentiles_are_the_share_at_or_below():
    # given
    distribution = rfm.compact_distribution(np.array([10.0, 20.0, 30.0, 40.0, np.nan]))

    # when
    result = rfm.percentiles(np.array([5.0, 10.0, 25.0, 40.0, np.nan]), distribution)

    # then
    assert result[:4].tolist() == [0.0, 25.0, 50.0, 100.0]
    assert np.isnan(result[4])


def test_large_distributions_are_compacted_to_quantiles():
    values = np.random.default_rng(1).normal(size=50_000)
    compact = rfm.compact_distribution(values)
    assert len(compact) == 10_001
    assert abs(rfm.percentiles(np.array([0.0]), compact)[0] - 50.0) < 0.5


def test_customers_on_the_same_value_rank_together_at_the_bottom_of_their_group():
    # twelve equal small margins and one large one: only the large one is top decile
    portfolio = np.array([10.0] * 12 + [5000.0])
    ranks = rfm.percentiles(portfolio, sorted(portfolio.tolist()))
    assert ranks[-1] == 100.0
    assert np.allclose(ranks[:12], 100.0 / 13)


def test_distinct_values_rank_as_the_share_at_or_below_them():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert rfm.percentiles(values, sorted(values.tolist())).tolist() == [25.0, 50.0, 75.0, 100.0]
