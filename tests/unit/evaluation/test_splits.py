"""`evaluate --split`: each split's promise (no firm on both sides, time order, cartels whole, markets held out),
the neighbour vote, scoring an unseen market with --train, and the CLI's refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from core.labelled import eligible_labels, normalize_garcia
from evaluation.classifiers import neighbour_vote
from evaluation.harness import evaluate_split, load_inputs
from evaluation.splits import SplitError, cartel_split, firm_split, tender_cartels, tender_dates, time_split


def _market(n_tenders: int = 60, n_clubs: int = 4, seed: int = 0, firms: bool = True) -> pd.DataFrame:
    """García rows: firms live in clubs (a club bids together, mostly), collusive tenders bunch their cover
    bids above an isolated winner; a few tenders mix two clubs (those no firm split can score)."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_tenders):
        club = t % n_clubs
        collusive = int(rng.random() < 0.5)
        members = [f"{club}-{i}" for i in rng.choice(6, size=4, replace=False)]
        if t % 10 == 9:  # a mixed tender
            members[-1] = f"{(club + 1) % n_clubs}-0"
        bids = [100.0, *(130 + rng.normal(0, 1, 3))] if collusive else list(100 + np.sort(rng.uniform(0, 40, 4)))
        for i, (f, b) in enumerate(zip(members, bids, strict=True)):
            row = {
                "Tender": t,
                "Bid_value": b,
                "Winner": int(i == 0),
                "Collusive_competitor": collusive,
                "Date": 1_000_000_000 + 86_400 * t,
                "Cartel_name": f"cartel{club % 2}" if collusive and i < 2 else 0,
            }
            if firms:
                row["Competitors"] = f
            rows.append(row)
    return pd.DataFrame(rows)


def _firms(bids: pd.DataFrame, tenders: pd.Index) -> set[str]:
    return set(bids.loc[bids["tender"].isin(tenders), "firm"].dropna())


def test_firm_split_puts_no_firm_on_both_sides() -> None:
    bids = normalize_garcia(_market())
    labels = eligible_labels(bids)
    split = firm_split(bids, labels, 4, seed=0)
    assert split.folds
    for f in split.folds:
        assert not _firms(bids, f.train) & _firms(bids, f.test)
        assert not set(f.train) & set(f.test)
    tested = split.tested()
    assert tested.is_unique and 0 < len(tested) < len(labels)  # mixed tenders are scored by no fold
    assert split.notes["untested"] == len(labels) - len(tested)


def test_firm_split_refuses_anonymous_bidders() -> None:
    bids = normalize_garcia(_market(firms=False))
    with pytest.raises(SplitError, match="firm ids"):
        firm_split(bids, eligible_labels(bids), 4, seed=0)


def test_time_split_trains_only_on_earlier_tenders() -> None:
    raw = _market()
    bids = normalize_garcia(raw)
    labels = eligible_labels(bids)
    dates = tender_dates(raw, labels)
    split = time_split(dates, labels, 4)
    assert len(split.folds) == 4
    for f in split.folds:
        assert dates.loc[f.train].max() < dates.loc[f.test].min()
        assert labels.loc[f.train].nunique() == 2
    assert split.tested().is_unique
    with pytest.raises(SplitError, match="Date"):
        time_split(tender_dates(raw.drop(columns=["Date"]), labels), labels, 4)


def test_cartel_split_keeps_each_cartel_in_one_fold() -> None:
    raw = _market()
    bids = normalize_garcia(raw)
    labels = eligible_labels(bids)
    cartels = tender_cartels(raw, labels)
    split = cartel_split(cartels, labels, 5, seed=0)
    assert len(split.folds) == 2
    for name in ("cartel0", "cartel1"):
        holding = [f.k for f in split.folds if any(name in cartels[t] for t in f.test)]
        assert len(holding) == 1, name
    flag = raw.assign(Cartel_name=(raw["Cartel_name"] != 0).astype(int))
    with pytest.raises(SplitError, match="at least 2 distinct cartels"):
        cartel_split(tender_cartels(flag, labels), labels, 5, seed=0)


def test_market_split_holds_each_input_out_with_its_firms(tmp_path: Path) -> None:
    paths = []
    for i in range(3):
        p = tmp_path / f"m{i}.csv"
        _market(40, seed=i).to_csv(p, index=False)  # the same firm ids in every file: unrelated firms
        paths.append(p)
    bids, _ = load_inputs(paths)
    table, metrics = evaluate_split(bids, None, "market", model="neighbour")
    assert metrics["split"] == "market" and metrics["n_splits"] == 3
    folds = metrics["per_repeat"][0]["folds"]
    assert [f["name"] for f in folds] == ["m0", "m1", "m2"]
    assert all(f["test"] == 40 and f["train"] == 80 for f in folds)
    # firm ids are prefixed by market: no training tender shares a bidder, so the vote is the prior
    assert _firms(bids, bids.loc[bids["market"] == "m0", "tender"]).isdisjoint(
        _firms(bids, bids.loc[bids["market"] != "m0", "tender"])
    )
    assert table.groupby("fold")["score"].nunique().eq(1).all()


def test_neighbour_vote_is_the_mean_label_of_tenders_sharing_a_bidder() -> None:
    bids = pd.DataFrame(
        {
            "tender": ["a", "a", "b", "b", "c", "c", "t", "t", "u"],
            "firm": ["x", "y", "y", "z", "x", "w", "x", "y", "q"],
            "bid": 1.0,
            "winner": False,
            "label": [1, 1, 0, 0, 1, 1, 0, 0, 1],
        }
    )
    vote = neighbour_vote(bids, pd.Index(["a", "b", "c"]), pd.Index(["t", "u"]))
    assert vote["t"] == pytest.approx(2 / 3)  # a (1) via x and y, b (0) via y, c (1) via x: each once
    assert vote["u"] == pytest.approx(2 / 3)  # no shared bidder: the training prior


def test_evaluate_split_reports_the_vote_beside_an_identity_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from evaluation import classifiers

    def fake(bids: pd.DataFrame, train: pd.Index, test: pd.Index, seed: int) -> classifiers.HoldoutResult:
        return classifiers.HoldoutResult(pd.Series(np.linspace(0, 1, len(test)), index=test))

    monkeypatch.setitem(classifiers.HOLDOUT, "gnn", fake)
    raw = _market()
    bids = normalize_garcia(raw)
    table, metrics = evaluate_split(bids, raw, "time", model="gnn", n_splits=4)
    assert "score_neighbour_vote" in table.columns
    assert 0 <= metrics["baselines"]["neighbour_vote"]["roc_auc"] <= 1
    assert metrics["split_notes"]["tested"] == len(table)


def test_cli_refuses_identity_models_under_the_tender_split_and_impossible_splits(tmp_path: Path) -> None:
    from licitagraph.cli import build_app

    src = tmp_path / "m.csv"
    _market(firms=False).drop(columns=["Date"]).to_csv(src, index=False)
    base = ["evaluate", "--format", "garcia", "--input", str(src), "--out", str(tmp_path / "o")]
    res = CliRunner().invoke(build_app(), [*base, "--model", "gnn"])
    assert res.exit_code == 2 and "--allow-firm-overlap" in res.output
    res = CliRunner().invoke(build_app(), [*base, "--split", "time", "--model", "neighbour"])
    assert res.exit_code == 2 and "needs a Date column" in res.output
    res = CliRunner().invoke(build_app(), [*base, "--split", "weekday"])
    assert res.exit_code == 2 and "--split must be one of" in res.output


@pytest.mark.slow  # fits the cross-market model with its leave-one-market-out selection: ~half a minute
def test_train_scores_an_unseen_unlabelled_market(tmp_path: Path) -> None:
    from licitagraph.cli import build_app

    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    _market(50, seed=1).to_csv(a, index=False)
    _market(50, seed=2).to_csv(b, index=False)
    target = _market(40, seed=3)
    target.drop(columns=["Collusive_competitor"]).to_csv(c, index=False)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        build_app(),
        ["evaluate", "--format", "garcia", "--train", str(a), "--train", str(b), "--input", str(c), "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(out / "scores.csv", dtype={"tender": str})
    assert list(scores.columns) == ["tender", "score"]
    assert set(scores["tender"]) == {str(t) for t in range(40)} and scores["score"].between(0, 1).all()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["labelled"] is False and "roc_auc" not in metrics
    assert sorted(metrics["model"]["training_markets"]) == ["a", "b"]
    # the planted pattern (isolated winner, bunched covers) is the same in every market: it transfers
    y = target.groupby("Tender")["Collusive_competitor"].first()
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y.loc[scores["tender"].astype(int)], scores["score"]) > 0.9
    res = CliRunner().invoke(
        build_app(),
        ["evaluate", "--format", "garcia", "--train", str(a), "--input", str(a), "--out", str(out)],
    )
    assert res.exit_code == 2 and "also a --train market" in res.output
