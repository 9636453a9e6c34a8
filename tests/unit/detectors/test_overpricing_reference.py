"""The overpricing reference (leave-one-tender-out median, MAD and robust z), fast path against brute force."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from detectors.overpricing import _leave_one_group_out, _median_without


def brute(g: pd.DataFrame, min_refs: int) -> list[tuple[object, float, int, float]]:
    prices = g["unit_value"].to_numpy(float)
    logs = np.log(prices)
    tids = g["tender_id"].to_numpy()
    out = []
    for idx, lv, tid in zip(g.index, logs, tids, strict=True):
        others = logs[tids != tid]
        if len(others) < min_refs:
            continue
        med = float(np.median(others))
        mad = float(np.median(np.abs(others - med)))
        z = 0.6745 * (lv - med) / mad if mad > 0 else (math.inf if lv > med else 0.0)
        out.append((idx, float(np.median(prices[tids != tid])), len(others), z))
    return sorted(out)


@pytest.mark.parametrize("seed", range(40))
def test_fast_reference_equals_the_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    values = rng.choice([1.0, 2.0, 2.5, 3.0, 10.0], n) if seed % 2 else rng.lognormal(1, 1, n)  # ties or not
    g = pd.DataFrame({"unit_value": values, "tender_id": rng.integers(0, max(2, n // 3), n)},
                     index=rng.permutation(10_000)[:n])
    fast, slow = sorted(_leave_one_group_out(g, 3)), brute(g, 3)
    assert [(r[0], r[2]) for r in fast] == [(r[0], r[2]) for r in slow]
    for f, s in zip(fast, slow, strict=True):
        assert f[1] == s[1]
        assert f[3] == s[3] or math.isclose(f[3], s[3], rel_tol=1e-12)


def test_median_without_positions() -> None:
    s = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    assert _median_without(s, []) == 3.0
    assert _median_without(s, [4]) == 2.5
    assert _median_without(s, [0, 1]) == 4.0
    assert _median_without(s, [2]) == 3.0  # (2 + 4) / 2
