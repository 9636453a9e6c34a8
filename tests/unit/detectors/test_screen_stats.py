"""Each screen against values worked out by hand from a tiny bid list."""

from __future__ import annotations

import math

import numpy as np
import pytest

from detectors.screen_stats import (
    screens,
    subgroup_indices,
    subgroup_screens,
    tender_features,
    winner_features,
)

BIDS = [130.0, 100.0, 160.0, 110.0]  # sorted: 100, 110, 130, 160; mean 125


def test_classic_screens_match_hand_computation() -> None:
    got = screens(BIDS)
    # deviations from the mean 125: -25, -15, 5, 35; sum of squares 2100; s^2 = 2100 / 3 = 700
    assert got["CV"] == pytest.approx(math.sqrt(700) / 125)
    assert got["SPD"] == pytest.approx(0.6)  # (160 - 100) / 100
    assert got["DIFFP"] == pytest.approx(0.1)  # (110 - 100) / 100
    # losing bids 110, 130, 160: mean 400/3, squared deviations sum 3800/3, variance 1900/3
    assert got["RD"] == pytest.approx(10 / math.sqrt(1900 / 3))
    # consecutive gaps 10, 20, 30: mean 20
    assert got["RDNOR"] == pytest.approx(0.5)
    # m2 = 2100/4 = 525, m3 = (-15625 - 3375 + 125 + 42875)/4 = 6000, m4 = 1942500/4 = 485625
    g1 = 6000 / 525**1.5
    assert got["SKEW"] == pytest.approx(g1 * math.sqrt(4 * 3) / 2)
    g2 = 485625 / 525**2 - 3
    assert got["KURT"] == pytest.approx(((4 + 1) * g2 + 6) * 3 / (2 * 1))
    # u = 0, 1/6, 1/2, 1 against the steps 1/4, 1/2, 3/4, 1: largest gap 1/2 - 1/6
    assert got["KS"] == pytest.approx(1 / 3)


def test_screens_agree_with_scipy_estimators() -> None:
    from scipy import stats

    bids = [3.0, 7.0, 8.0, 15.0, 21.0]
    got = screens(bids)
    assert got["SKEW"] == pytest.approx(stats.skew(bids, bias=False))
    assert got["KURT"] == pytest.approx(stats.kurtosis(bids, fisher=True, bias=False))
    u = (np.array(bids) - 3.0) / 18.0
    assert got["KS"] == pytest.approx(stats.kstest(u, "uniform").statistic)


def test_undefined_screens_are_nan() -> None:
    got = screens([100.0, 120.0, 140.0])  # KURT needs 4 bids
    assert math.isnan(got["KURT"])
    assert got["SPD"] == pytest.approx(0.4)
    equal = screens([50.0, 50.0, 50.0])  # no spread at all
    assert equal["CV"] == 0.0
    assert math.isnan(equal["RD"]) and math.isnan(equal["RDNOR"]) and math.isnan(equal["SKEW"])
    assert all(math.isnan(v) for v in screens([10.0]).values())


def test_subgroups_of_three_by_hand() -> None:
    got = subgroup_screens(BIDS)
    # the four 3-subsets: {100,110,130} .3, {100,110,160} .6, {100,130,160} .6, {110,130,160} 50/110
    spd = [0.3, 0.6, 0.6, 50 / 110]
    assert got["SG3_SPD_mean"] == pytest.approx(sum(spd) / 4)
    assert got["SG3_SPD_median"] == pytest.approx((50 / 110 + 0.6) / 2)
    assert got["SG3_SPD_min"] == pytest.approx(0.3)
    assert got["SG3_SPD_max"] == pytest.approx(0.6)
    # DIFFP of the subsets: .1, .1, .3, 20/110
    assert got["SG3_DIFFP_max"] == pytest.approx(0.3)
    # the only 4-subset is the tender itself
    assert got["SG4_SPD_mean"] == pytest.approx(0.6)
    assert got["SG4_RDNOR_min"] == pytest.approx(0.5)


def test_subgroup_sample_is_capped_distinct_and_seeded() -> None:
    rng1, rng2 = np.random.default_rng(3), np.random.default_rng(3)
    a = subgroup_indices(30, 4, 50, rng1)
    b = subgroup_indices(30, 4, 50, rng2)
    assert a.shape == (50, 4)
    assert len({tuple(r) for r in a.tolist()}) == 50
    assert (np.diff(a, axis=1) > 0).all()
    assert (a == b).all()
    assert subgroup_indices(5, 3, 50, rng1).shape == (10, 3)  # C(5,3) = 10 < cap: all of them


def test_winner_features_by_hand() -> None:
    bids = np.array([130.0, 100.0, 160.0, 110.0])
    won = np.array([False, False, False, True])  # the second-lowest bid wins
    got = winner_features(bids, won)
    assert got["W_rank"] == pytest.approx(1 / 3)
    assert got["W_is_lowest"] == 0.0
    assert got["W_to_min"] == pytest.approx(0.1)
    assert got["W_gap_next"] == pytest.approx(20 / 110)
    assert got["W_to_mean"] == pytest.approx(110 / 125 - 1)
    # losers 100, 130, 160: mean 130
    assert got["W_losers_mean_gap"] == pytest.approx(20 / 110)
    assert math.isnan(winner_features(bids, np.zeros(4, dtype=bool))["W_rank"])


def test_tender_features_one_row_per_tender_without_firms() -> None:
    import pandas as pd

    bids = pd.DataFrame(
        {
            "tender": ["a"] * 4 + ["b"] * 3,
            "firm": ["x", "y", "z", "w", "x", "y", "z"],
            "bid": [*BIDS, 10.0, 20.0, 40.0],
            "winner": [False, True, False, False, True, False, False],
        }
    )
    feats = tender_features(bids)
    assert list(feats.index) == ["a", "b"]
    assert feats.loc["a", "SPD"] == pytest.approx(0.6)
    assert feats.loc["b", "SPD"] == pytest.approx(3.0)
    assert feats.loc["b", "N"] == 3
    renamed = tender_features(bids.assign(firm=["q"] * 7))
    assert renamed.equals(feats)  # firm identities play no part


def test_batched_features_equal_the_per_tender_functions() -> None:
    import pandas as pd

    rng = np.random.default_rng(5)
    rows = []
    for t in range(12):
        n = [3, 4, 6, 30][t % 4]  # 30 bids: the 3- and 4-subgroups are sampled
        for v in rng.uniform(50, 150, n):
            rows.append({"tender": f"t{t:02d}", "bid": float(v), "winner": False})
    bids = pd.DataFrame(rows)
    feats = tender_features(bids, max_subgroups=40)
    for t, g in bids.groupby("tender"):
        expected = {**screens(g["bid"]), **subgroup_screens(g["bid"], max_subgroups=40)}
        for key, value in expected.items():
            got = feats.loc[t, key]
            assert (math.isnan(value) and math.isnan(got)) or got == pytest.approx(value), (t, key)
