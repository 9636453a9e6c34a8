"""core/review.py: the review queue's order (risk mixed with the model's uncertainty)."""

from __future__ import annotations

import math

import pytest

from core import review


def test_uncertainty_peaks_at_half_and_vanishes_at_the_ends() -> None:
    assert review.uncertainty(0.5) == 1.0
    assert review.uncertainty(0.0) == 0.0
    assert review.uncertainty(1.0) == 0.0
    assert review.uncertainty(0.25) == pytest.approx(0.5)
    assert review.uncertainty(None) == 0.0
    assert review.uncertainty(math.nan) == 0.0


def test_mix_zero_orders_by_risk_and_mix_one_by_uncertainty() -> None:
    items = ["sure-high", "unsure-mid", "sure-low"]
    risk = [0.9, 0.5, 0.1]
    prob = [0.99, 0.5, 0.01]
    assert review.order(items, risk, prob, mix=0.0) == ["sure-high", "unsure-mid", "sure-low"]
    assert review.order(items, risk, prob, mix=1.0)[0] == "unsure-mid"
    # half and half: the uncertain middle overtakes the confident high-risk one (0.75 > 0.46)
    assert review.order(items, risk, prob, mix=0.5)[0] == "unsure-mid"


def test_ties_keep_input_order_and_bad_inputs_are_refused() -> None:
    assert review.order(["a", "b", "c"], [0.3, 0.3, 0.3], [None, None, None]) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="mix"):
        review.priority(0.5, 0.5, mix=1.5)
    with pytest.raises(ValueError, match="one entry each"):
        review.order(["a"], [0.1, 0.2], [None])
