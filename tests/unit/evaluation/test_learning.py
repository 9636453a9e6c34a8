"""Simulated investigator verdicts: the queue's picks, what is measured, what the model may see, the files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.labelled import normalize_garcia
from core.review import priority
from detectors import screen_stats
from evaluation import learning
from evaluation.learning import (
    Market,
    fit_and_score,
    measure,
    neighbour_vote,
    neighbour_vote_scores,
    simulate,
)
from tests.fixtures.graph_db import cli


def _garcia_rows(n_tenders: int, seed: int) -> pd.DataFrame:
    """García layout: collusive tenders (every other one) have a low winner under bunched cover bids and
    draw their bidders from a small cartel; competitive ones spread their bids and draw from many firms."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_tenders):
        collusive = t % 2
        n = int(rng.integers(4, 7))
        if collusive:
            bids = [100.0, *(130.0 + rng.normal(0, 1.0, n - 1))]
            firms = rng.choice(np.arange(1, 9), n, replace=False)
        else:
            bids = list(100.0 + np.sort(rng.uniform(0, 40, n)))
            firms = rng.choice(np.arange(100, 160), n, replace=False)
        for i, b in enumerate(bids):
            rows.append(
                {
                    "Tender": t,
                    "Competitors": int(firms[i]),
                    "Bid_value": b,
                    "Winner": int(i == 0),
                    "Collusive_competitor": collusive,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture()
def few_trees(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screen_stats, "N_ESTIMATORS", 10)


def _market(n: int = 40, seed: int = 1) -> tuple[pd.DataFrame, Market]:
    bids = normalize_garcia(_garcia_rows(n, seed))
    tenders = sorted(bids["tender"].unique(), key=int)
    # a starting model that knows nothing: probabilities spread evenly over the tenders' order
    start = pd.Series(np.linspace(0.0, 1.0, len(tenders)), index=tenders)
    return bids, Market.build(bids, start)


def test_queue_takes_the_first_tenders_by_priority_and_follows_the_refitted_model() -> None:
    _, market = _market(40)
    ids = list(market.tenders)
    seen: list[list[str]] = []

    def fit(m: Market, revealed: pd.Series, seed: int) -> pd.Series:
        seen.append(list(revealed.index))
        unrev = m.tenders[~m.tenders.isin(revealed.index)]
        # the "refitted" model turns the order around: now the lowest start probability is the highest
        return 1.0 - m.start.loc[unrev]

    simulate(market, "queue", [5, 10], batch=5, mix=0.0, fit=fit)
    by_start = market.start.sort_values(kind="stable").index
    # mix 0 is a pure risk queue: first the 5 highest starting probabilities, then (after the refit)
    # the 5 highest of the reversed model, i.e. the 5 lowest starting probabilities
    assert set(seen[0]) == set(by_start[-5:])
    assert set(seen[1][5:]) == set(by_start[:5])
    assert seen[1][:5] == seen[0]

    seen.clear()
    simulate(market, "queue", [4], batch=4, mix=1.0, fit=fit)
    # mix 1: the tenders whose probability is nearest 0.5 (uncertainty sampling)
    nearest = sorted(ids, key=lambda t: abs(market.start[t] - 0.5))[:4]
    assert set(seen[0]) == set(nearest)
    keys = [priority(market.start[t], market.start[t], 1.0) for t in ids]
    assert min(keys[ids.index(t)] for t in seen[0]) >= sorted(keys)[-4]


def test_random_strategy_reviews_a_seeded_draw_and_fits_at_checkpoints_only() -> None:
    _, market = _market(40)
    calls: list[int] = []

    def fit(m: Market, revealed: pd.Series, seed: int) -> pd.Series:
        calls.append(len(revealed))
        return m.start.loc[m.tenders[~m.tenders.isin(revealed.index)]]

    a = simulate(market, "random", [10, 20], batch=5, fit=fit, seed=3)
    assert calls == [10, 20]
    b = simulate(market, "random", [10, 20], batch=5, fit=fit, seed=3)
    assert a == b
    c = simulate(market, "random", [10, 20], batch=5, fit=fit, seed=4)
    assert [r["hits"] for r in a] != [r["hits"] for r in c] or a != c


def test_auc_is_measured_on_the_unreviewed_tenders_only() -> None:
    bids = normalize_garcia(_garcia_rows(10, 2))
    tenders = [str(t) for t in range(10)]
    labels = bids.groupby("tender")["label"].first()
    market = Market.build(bids, pd.Series(0.5, index=tenders))
    reviewed = ["0", "1", "2", "3"]  # labels 0 1 0 1
    unrev = ["4", "5", "6", "7", "8", "9"]  # labels 0 1 0 1 0 1
    assert labels.loc[unrev].tolist() == [0, 1, 0, 1, 0, 1]
    # positives 5, 7, 9 scored 0.9, 0.8, 0.4; negatives 4, 6, 8 scored 0.7, 0.3, 0.1: 8 of 9 pairs right
    scores = pd.Series([0.7, 0.9, 0.3, 0.8, 0.1, 0.4], index=unrev)
    got = measure(market, reviewed, scores)
    assert got["roc_auc"] == pytest.approx(8 / 9)
    assert got["n_unreviewed"] == 6 and got["n_unreviewed_positive"] == 3 and got["hits"] == 2
    with pytest.raises(ValueError, match="unreviewed"):
        measure(market, reviewed, pd.concat([scores, pd.Series([0.0], index=["0"])]))
    # a single class left unreviewed: no AUC
    assert np.isnan(
        measure(market, ["1", "3", "5", "7", "9"], pd.Series(0.1, index=["0", "2", "4", "6", "8"]))["roc_auc"]
    )


def test_neighbour_vote_by_hand() -> None:
    # A and B share firm f1; B and C share f2 and f3; D bids alone
    raw = pd.DataFrame(
        {
            "Tender": ["A"] * 3 + ["B"] * 3 + ["C"] * 3 + ["D"] * 3,
            "Competitors": ["f1", "x1", "x2", "f1", "f2", "f3", "f2", "f3", "x5", "x6", "x7", "x8"],
            "Bid_value": [1.0, 2.0, 3.0] * 4,
            "Winner": [1, 0, 0] * 4,
            "Collusive_competitor": [1] * 3 + [1] * 3 + [0] * 3 + [0] * 3,
        }
    )
    bids = normalize_garcia(raw)
    market = Market.build(bids, pd.Series(0.5, index=["A", "B", "C", "D"]))
    revealed = pd.Series([1, 0], index=["A", "C"])
    vote, count = neighbour_vote(market, revealed)
    assert vote["B"] == pytest.approx(0.5) and count["B"] == 2
    # weighted by shared bidders: A's verdict once (f1), C's twice (f2, f3)
    assert neighbour_vote(market, revealed, weighted=True)[0]["B"] == pytest.approx(1 / 3)
    assert np.isnan(vote["A"]) and count["A"] == 0  # its own verdict is not its neighbour's
    assert np.isnan(vote["D"]) and count["D"] == 0
    scores = neighbour_vote_scores(market, revealed)
    assert scores["D"] == pytest.approx(0.5)  # the prior: the base rate of the verdicts
    no_firms = Market.build(bids.assign(firm=None), pd.Series(0.5, index=["A", "B", "C", "D"]))
    assert no_firms.adjacency is None and neighbour_vote(no_firms, revealed)[0].isna().all()


def test_revealed_labels_never_reach_the_scores_of_unreviewed_tenders(few_trees: None) -> None:
    _, market = _market(40)
    reviewed = list(market.tenders[:24])
    revealed = market.labels.loc[reviewed]
    scores = fit_and_score(market, revealed, seed=0)
    assert list(scores.index) == list(market.tenders[24:])
    # the same verdicts on a market whose unreviewed tenders carry the opposite truth: same scores
    flipped = market.labels.copy()
    flipped.loc[market.tenders[24:]] = 1 - flipped.loc[market.tenders[24:]]
    other = Market(market.tenders, market.features, flipped, market.start, market.adjacency)
    pd.testing.assert_series_equal(fit_and_score(other, revealed, seed=0), scores)
    # the model did learn from the verdicts: the planted pattern ranks the unreviewed tenders well
    assert measure(market, reviewed, scores)["roc_auc"] > 0.8
    # too few verdicts: the starting model unchanged
    few = fit_and_score(market, revealed.iloc[:5], seed=0)
    pd.testing.assert_series_equal(few, market.start.loc[few.index])


def test_simulation_hands_the_learner_exactly_the_reviewed_labels() -> None:
    _, market = _market(40)
    for strategy in ("queue", "random"):
        reviewed_sets: list[pd.Series] = []

        def fit(
            m: Market, revealed: pd.Series, seed: int, sets: list[pd.Series] = reviewed_sets
        ) -> pd.Series:
            sets.append(revealed.copy())
            return m.start.loc[m.tenders[~m.tenders.isin(revealed.index)]]

        rows = simulate(market, strategy, [10, 20], batch=5, fit=fit)
        assert len(reviewed_sets) == (4 if strategy == "queue" else 2)
        for revealed in reviewed_sets:
            assert revealed.index.is_unique
            pd.testing.assert_series_equal(revealed, market.labels.loc[revealed.index], check_names=False)
        assert [r["n_unreviewed"] for r in rows] == [30, 20]


def test_cap_leaves_tenders_unreviewed() -> None:
    used, capped = learning.cap_checkpoints([25, 50, 100, 200], 100)
    assert used == [25, 50, 80] and capped == {100: 80, 200: 80}
    with pytest.raises(learning.SimulationInputError, match="at least"):
        learning.cap_checkpoints([10], 25)


def _write(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    target, other = data / "DB_Collusion_Target_processed.csv", data / "DB_Collusion_Other_processed.csv"
    _garcia_rows(44, 1).to_csv(target, index=False)
    _garcia_rows(40, 7).to_csv(other, index=False)
    return target, other


def test_learning_curve_files(tmp_path: Path, few_trees: None) -> None:
    target, other = _write(tmp_path)
    out = tmp_path / "out"
    metrics = learning.simulate_garcia_file(target, out, [10, 20, 200], batch=5, repeats=2)
    assert metrics["train"] == [other.name]  # the other García file beside the input, by default
    assert metrics["checkpoints"] == [10, 20, 24] and metrics["capped"] == {"200": 24}
    curve = pd.read_csv(out / "learning_curve.csv")
    assert list(curve.columns[:4]) == ["verdicts", "strategy", "roc_auc", "pr_auc"]
    assert "neighbour_vote_roc_auc" in curve.columns
    assert curve[["verdicts", "strategy"]].values.tolist() == [
        [0, "none"],
        [10, "queue"],
        [10, "random"],
        [20, "queue"],
        [20, "random"],
        [24, "queue"],
        [24, "random"],
    ]
    assert (curve["n_unreviewed"] == 44 - curve["verdicts"]).all()
    assert (curve["hits"] <= curve["verdicts"]).all()
    auc = curve["roc_auc"].dropna()
    assert len(auc) and auc.between(0, 1).all()
    runs = pd.read_csv(out / "learning_curve_runs.csv")
    assert sorted(runs.loc[runs["strategy"] == "random", "repeat"].unique()) == [0, 1]
    assert (out / "learning_curve.png").stat().st_size > 0
    saved = json.loads((out / "learning_metrics.json").read_text())
    assert saved["queue_mix"] == 0.5 and saved["batch"] == 5


def test_training_on_the_evaluated_file_is_refused(tmp_path: Path) -> None:
    target, _ = _write(tmp_path)
    with pytest.raises(learning.SimulationInputError, match="must not train"):
        learning.simulate_garcia_file(target, tmp_path / "o", [10], train=[target])


def test_cli_simulate_verdicts(tmp_path: Path, few_trees: None) -> None:
    target, other = _write(tmp_path)
    out = tmp_path / "o"
    res = cli(
        "evaluate",
        "--format",
        "garcia",
        "--input",
        str(target),
        "--train",
        str(other),
        "--out",
        str(out),
        "--simulate-verdicts",
        "10,20",
        "--queue-mix",
        "0.3",
        "--simulate-repeats",
        "1",
        "--verdict-batch",
        "5",
    )
    assert res.returncode == 0, res.stderr
    curve = pd.read_csv(out / "learning_curve.csv")
    assert set(curve["strategy"]) == {"none", "queue", "random"}
    assert json.loads((out / "learning_metrics.json").read_text())["queue_mix"] == 0.3
    assert "learning_curve.csv" in res.stdout
    bad = cli(
        "evaluate",
        "--format",
        "garcia",
        "--input",
        str(target),
        "--out",
        str(out),
        "--simulate-verdicts",
        "ten",
    )
    assert bad.returncode == 2 and "--simulate-verdicts" in bad.stderr and "Traceback" not in bad.stderr
