"""Learning curves from simulated investigator verdicts: `licitagraph evaluate --simulate-verdicts`.

An office starts with no labels of its own: only a model fitted on other labelled markets (the
cross-market model) and auditors who read findings and decide. This module replays those auditors on a
labelled García file. Each simulated verdict reveals the true label of the tender a strategy picks; after
each batch of verdicts the model is refitted on what has been revealed; at each checkpoint (a number of
verdicts) the ROC and PR AUC are measured on the tenders not yet reviewed, which are the only ones a
model can still help with.

Strategies:
- `queue`: the review queue of `core/review.py` (risk mixed with the model's uncertainty), with risk and
  probability both the current model's probability; refitted after every batch, so the queue follows
  the model as it learns.
- `random`: tenders reviewed in a random order (one order per repeat; the model is the same learner).
- `none`: the cross-market model alone, 0 verdicts.

Beside every curve, a neighbour vote made from the same verdicts: a tender's score is the mean revealed
label of the reviewed tenders sharing a bidder with it, else the base rate of the verdicts so far. It
measures what firm identity alone gives, so what the models add over it stays visible. It comes twice:
as defined (each such reviewed tender counted once: `neighbour_vote_*`) and weighted by the number of
bidders shared (`weighted_vote_*`), which is the one that carries the signal where tenders have dozens
of bidders and nearly all pairs share one (Italy).

How the model moves from cross-market to local data (stacking; Wolpert 1992): after n verdicts,
- a local screens classifier (the same forests as the screens classifier, without its sigmoid
  calibration, which 3 internal folds of a few dozen verdicts cannot fit) is fitted on the reviewed
  tenders' screen features; its out-of-fold probabilities on the reviewed tenders (stratified k-fold,
  k = min(5, the smaller class)) and its probabilities on the unreviewed ones are stacked
- with the cross-market model's logit and the weighted neighbour vote (the mean verdict of the reviewed
  tenders sharing a bidder, each counted once per shared bidder, minus the verdicts' base rate; 0
  without such a tender; on a reviewed tender, its own verdict left out) by a logistic regression
  fitted on the reviewed tenders (inputs standardised, L2, C = 1).
The stacker learns from the verdicts themselves how much to trust the cross-market score, the local
forests and the firms' other verdicts, so no hand-set schedule moves the weight; its output is a
calibrated probability, which the queue's uncertainty needs. Until the verdicts hold MIN_LOCAL tenders
and MIN_PER_CLASS of each class, the cross-market model is used unchanged.

Nothing of an unreviewed tender's label reaches its score: the simulation hands the learner the labels of
the reviewed tenders only (`revealed`), and scores only the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.labelled import LabelledInputError, eligible_labels, load_garcia
from core.review import order
from detectors.screen_stats import make_screens_classifier, tender_features

log = logging.getLogger(__name__)

STRATEGIES = ("queue", "random", "none")
# columns of learning_curve.csv, in order (the first four are the contract)
CURVE_COLUMNS = (
    "verdicts",
    "strategy",
    "roc_auc",
    "pr_auc",
    "roc_auc_sd",
    "roc_auc_min",
    "roc_auc_max",
    "repeats",
    "repeats_measured",
    "neighbour_vote_roc_auc",
    "neighbour_vote_pr_auc",
    "weighted_vote_roc_auc",
    "weighted_vote_pr_auc",
    "neighbour_coverage",
    "cross_market_roc_auc",
    "hits",
    "n_unreviewed",
    "n_unreviewed_positive",
)
_SPREAD = ("roc_auc_sd", "roc_auc_min", "roc_auc_max", "repeats", "repeats_measured")
# columns of learning_curve_runs.csv: one row per repeat
RUN_COLUMNS = ("verdicts", "strategy", "repeat", *(c for c in CURVE_COLUMNS[2:] if c not in _SPREAD))
# the fewest verdicts (and of each class) the local model and the stacker are fitted on
MIN_LOCAL = 10
MIN_PER_CLASS = 3
# the fewest tenders left unreviewed at the last checkpoint (an AUC on fewer says little)
MIN_UNREVIEWED = 20
STACKER_C = 1.0
_CLIP = 1e-3

# bids table -> probability of collusion per tender (index: tender id as str)
StartScorer = Callable[[pd.DataFrame], pd.Series]
# (training files of other markets, seed) -> scorer: the seam where the starting model is chosen
StartFitter = Callable[[Sequence[Path], int], StartScorer]

_FEATURES: dict[str, pd.DataFrame] = {}


class SimulationInputError(LabelledInputError):
    """The simulation cannot run on these inputs; the message says why."""


def features_of(bids: pd.DataFrame) -> pd.DataFrame:
    """Tender features of a bid table, computed once per distinct table in this process (the subgroup
    screens are the slow part); infinities become missing values."""
    h = pd.util.hash_pandas_object(bids[["tender", "bid", "winner"]], index=False).to_numpy()
    key = hashlib.sha1(h.tobytes()).hexdigest()
    if key not in _FEATURES:
        _FEATURES[key] = tender_features(bids).replace([np.inf, -np.inf], np.nan).astype(float)
    return _FEATURES[key]


def screens_cross_market(train_files: Sequence[Path], seed: int = 0) -> StartScorer:
    """The default starting model: the screens classifier (calibrated forests on the raw-bid screens)
    fitted on the tenders with 3+ bids of every training file, pooled."""
    X, y = [], []
    for path in train_files:
        bids = load_garcia(path)
        labels = eligible_labels(bids)
        X.append(features_of(bids).loc[labels.index])
        y.append(labels)
    if not X:
        raise SimulationInputError("the cross-market model needs at least one training file")
    Xs, ys = pd.concat(X), pd.concat(y)
    if ys.nunique() < 2:
        raise SimulationInputError("the cross-market training files hold a single class")
    clf: Any = make_screens_classifier(seed)
    clf.fit(Xs, ys.to_numpy())
    columns = list(Xs.columns)

    def score(bids: pd.DataFrame) -> pd.Series:
        feats = features_of(bids).reindex(columns=columns)
        return pd.Series(clf.predict_proba(feats)[:, 1], index=feats.index.astype(str), dtype=float)

    return score


def default_train_files(input_path: Path) -> list[Path]:
    """The other García files in the input's folder. A pooled file (`*_All_*`, every country together)
    is left out: it holds the evaluated market's own tenders."""
    here = input_path.resolve()
    return [
        p
        for p in sorted(input_path.parent.glob("*.csv"))
        if p.resolve() != here and "_all_" not in p.name.lower() and _has_garcia_header(p)
    ]


def _has_garcia_header(path: Path) -> bool:
    from core.labelled import GARCIA_REQUIRED

    try:
        header = pd.read_csv(path, nrows=0).columns
    except (OSError, ValueError, pd.errors.ParserError):
        return False
    return all(c in header for c in GARCIA_REQUIRED)


@dataclass(frozen=True)
class Market:
    """The evaluated market: its tenders with 3+ bids, their features, the truth, the starting model's
    probabilities and who shares a bidder with whom."""

    tenders: pd.Index
    features: pd.DataFrame
    labels: pd.Series  # the truth: read only by the simulation's reveal step and the metrics
    start: pd.Series
    # adjacency[i, j]: how many bidders tenders i and j (i != j) share; None without firm ids
    adjacency: np.ndarray | None

    @classmethod
    def build(cls, bids: pd.DataFrame, start: pd.Series) -> Market:
        labels = eligible_labels(bids)
        labels.index = labels.index.astype(str)
        tenders = labels.index
        missing = tenders.difference(start.index.astype(str))
        if len(missing):
            raise SimulationInputError(
                f"the starting model scored no probability for {len(missing)} tender(s)"
            )
        start = start.copy()
        start.index = start.index.astype(str)
        return cls(
            tenders=tenders,
            features=features_of(bids).loc[tenders],
            labels=labels,
            start=start.loc[tenders].astype(float),
            adjacency=_shared_bidders(bids, tenders),
        )


def _shared_bidders(bids: pd.DataFrame, tenders: pd.Index) -> np.ndarray | None:
    if "firm" not in bids.columns or bids["firm"].isna().all():
        return None
    b = bids[bids["tender"].astype(str).isin(tenders) & bids["firm"].notna()]
    pos = pd.Series(np.arange(len(tenders)), index=tenders)
    firms = pd.Index(b["firm"].unique())
    inc = np.zeros((len(tenders), len(firms)), dtype=np.int32)
    inc[pos.loc[b["tender"].astype(str)].to_numpy(), firms.get_indexer(b["firm"])] = 1
    adj = inc @ inc.T
    np.fill_diagonal(adj, 0)
    return adj


def neighbour_vote(
    market: Market, revealed: pd.Series, weighted: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Per tender: mean revealed label of the *other* reviewed tenders sharing a bidder with it (NaN when
    none, or without firm ids) and how many such tenders there are. Only `revealed` labels are read.

    `weighted`: each reviewed tender counts once per bidder it shares (one step of label propagation on
    the tender-firm graph: the mean verdict over every (shared bidder, reviewed tender) link). Where a
    tender has dozens of bidders (Italy: 73 on average), nearly every pair of tenders shares one, and
    only the number shared tells a cartel's tenders apart."""
    n = len(market.tenders)
    if market.adjacency is None or not len(revealed):
        return pd.Series(np.nan, index=market.tenders), pd.Series(0, index=market.tenders)
    mask = np.zeros(n, dtype=float)
    y = np.zeros(n, dtype=float)
    idx = market.tenders.get_indexer(revealed.index.astype(str))
    if (idx < 0).any():
        raise SimulationInputError("revealed verdicts name tenders outside the market")
    mask[idx] = 1.0
    y[idx] = revealed.to_numpy(dtype=float)
    linked = (market.adjacency > 0).astype(float)
    adj = market.adjacency.astype(float) if weighted else linked
    count = linked @ mask
    weight = adj @ mask
    with np.errstate(invalid="ignore", divide="ignore"):
        vote = np.where(weight > 0, (adj @ y) / np.maximum(weight, 1.0), np.nan)
    return pd.Series(vote, index=market.tenders), pd.Series(count.astype(int), index=market.tenders)


def neighbour_vote_scores(market: Market, revealed: pd.Series, weighted: bool = False) -> pd.Series:
    """The neighbour vote as a score: the vote where a reviewed tender shares a bidder, else the prior
    (the base rate of the verdicts so far)."""
    vote, _ = neighbour_vote(market, revealed, weighted)
    prior = float(revealed.mean()) if len(revealed) else 0.5
    return vote.fillna(prior)


def local_screens_classifier(seed: int) -> Any:
    """The screens classifier's forests (soft vote of a random forest and extremely randomized trees)
    without its sigmoid calibration: the stacker calibrates."""
    clf: Any = make_screens_classifier(seed)
    return getattr(clf, "estimator", None) or clf


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), _CLIP, 1 - _CLIP)
    return np.log(p / (1 - p))


def fit_and_score(market: Market, revealed: pd.Series, seed: int) -> pd.Series:
    """Probability of collusion for every tender not in `revealed`, from a model that has seen the
    labels in `revealed` and no other label of this market (see the module doc)."""
    revealed = revealed.copy()
    revealed.index = revealed.index.astype(str)
    unrev = market.tenders[~market.tenders.isin(revealed.index)]
    counts = revealed.value_counts()
    if len(revealed) < MIN_LOCAL or len(counts) < 2 or int(counts.min()) < MIN_PER_CLASS:
        return market.start.loc[unrev]
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_r = market.features.loc[revealed.index]
    y_r = revealed.to_numpy(dtype=int)
    proto = local_screens_classifier(seed)
    oof = np.zeros(len(y_r))
    skf = StratifiedKFold(n_splits=min(5, int(counts.min())), shuffle=True, random_state=seed)
    for tr, te in skf.split(np.zeros(len(y_r)), y_r):
        m = clone(proto).fit(X_r.iloc[tr], y_r[tr])
        oof[te] = m.predict_proba(X_r.iloc[te])[:, 1]
    local = clone(proto).fit(X_r, y_r)
    p_local = local.predict_proba(market.features.loc[unrev])[:, 1]

    # stacker inputs, reviewed tenders (its training rows) and unreviewed ones (scored)
    Z_r = [_logit(market.start.loc[revealed.index].to_numpy()), _logit(oof)]
    Z_u = [_logit(market.start.loc[unrev].to_numpy()), _logit(p_local)]
    if market.adjacency is not None:
        vote, _ = neighbour_vote(market, revealed, weighted=True)
        base = float(y_r.mean())
        dev = (vote - base).fillna(0.0)
        Z_r.append(dev.loc[revealed.index].to_numpy())
        Z_u.append(dev.loc[unrev].to_numpy())
    # standardised inputs: the L2 penalty must weigh them alike (a vote that moves by a few hundredths
    # across Italy's tenders would otherwise be shrunk away beside logits that move by units)
    stacker = make_pipeline(StandardScaler(), LogisticRegression(C=STACKER_C, max_iter=1000))
    stacker.fit(np.column_stack(Z_r), y_r)
    return pd.Series(stacker.predict_proba(np.column_stack(Z_u))[:, 1], index=unrev, dtype=float)


def _aucs(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    if len(y) == 0 or len(np.unique(y)) < 2:
        return math.nan, math.nan
    return float(roc_auc_score(y, scores)), float(average_precision_score(y, scores))


def measure(market: Market, reviewed: Sequence[str], scores: pd.Series) -> dict[str, float]:
    """Metrics of one state: the model's scores, the neighbour vote and the cross-market model, all on
    the tenders not yet reviewed."""
    done = set(reviewed)
    unrev = market.tenders[~market.tenders.isin(list(done))]
    if len(scores.index.intersection(pd.Index(list(done)))):
        raise ValueError("scores must cover the unreviewed tenders only")
    y = market.labels.loc[unrev].to_numpy()
    roc, pr = _aucs(scores.loc[unrev].to_numpy(dtype=float), y)
    revealed = market.labels.loc[list(reviewed)]
    nv_roc = nv_pr = wv_roc = wv_pr = coverage = math.nan
    if market.adjacency is not None and len(revealed):
        nv = neighbour_vote_scores(market, revealed).loc[unrev]
        nv_roc, nv_pr = _aucs(nv.to_numpy(), y)
        wv = neighbour_vote_scores(market, revealed, weighted=True).loc[unrev]
        wv_roc, wv_pr = _aucs(wv.to_numpy(), y)
        _, count = neighbour_vote(market, revealed)
        coverage = float((count.loc[unrev] > 0).mean()) if len(unrev) else math.nan
    cm_roc, _ = _aucs(market.start.loc[unrev].to_numpy(), y)
    return {
        "roc_auc": roc,
        "pr_auc": pr,
        "neighbour_vote_roc_auc": nv_roc,
        "neighbour_vote_pr_auc": nv_pr,
        "weighted_vote_roc_auc": wv_roc,
        "weighted_vote_pr_auc": wv_pr,
        "neighbour_coverage": coverage,
        "cross_market_roc_auc": cm_roc,
        "hits": float(revealed.sum()),
        "n_unreviewed": float(len(unrev)),
        "n_unreviewed_positive": float(y.sum()),
    }


Fitter = Callable[[Market, pd.Series, int], pd.Series]


def simulate(
    market: Market,
    strategy: str,
    checkpoints: Sequence[int],
    batch: int = 10,
    mix: float = 0.5,
    seed: int = 0,
    fit: Fitter = fit_and_score,
    on_step: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """One simulated office: rows of metrics at each checkpoint (a number of verdicts).

    `queue` takes, batch after batch, the first unreviewed tenders of `core.review.order` under the
    current model, reveals their labels and refits; `random` reveals tenders in an order drawn with
    `seed` and fits at the checkpoints only (its picks do not depend on the model)."""
    if strategy not in ("queue", "random"):
        raise ValueError(f"strategy must be queue or random, not {strategy!r}")
    if batch < 1:
        raise ValueError("the verdict batch must be at least 1")
    tenders = list(market.tenders)
    drawn = list(np.random.default_rng(seed).permutation(tenders)) if strategy == "random" else []
    reviewed: list[str] = []
    scores = market.start.copy()
    rows: list[dict[str, Any]] = []
    for cp in sorted(set(checkpoints)):
        if cp > len(tenders):
            raise ValueError(f"{cp} verdicts exceed the market's {len(tenders)} tenders")
        while len(reviewed) < cp:
            if strategy == "queue":
                done = set(reviewed)
                unrev = [t for t in tenders if t not in done]
                s = scores.loc[unrev].to_numpy(dtype=float)
                take = min(batch, cp - len(reviewed))
                reviewed += order(unrev, list(s), list(s), mix)[:take]
            else:
                reviewed = [str(t) for t in drawn[:cp]]
            # the verdicts: the true labels of the reviewed tenders, and nothing else
            revealed = market.labels.loc[reviewed]
            scores = fit(market, revealed, seed)
            if on_step:
                on_step(len(reviewed))
        rows.append(
            {"verdicts": cp, "strategy": strategy, "repeat": seed, **measure(market, reviewed, scores)}
        )
    return rows


def cap_checkpoints(requested: Sequence[int], n_tenders: int) -> tuple[list[int], dict[int, int]]:
    """Checkpoints the market can hold: a count above n_tenders - MIN_UNREVIEWED becomes that cap.
    Returns the checkpoints and {requested: used} for the capped ones."""
    if any(v < 1 for v in requested):
        raise SimulationInputError("verdict counts must be positive integers")
    cap = n_tenders - MIN_UNREVIEWED
    if cap < MIN_LOCAL:
        raise SimulationInputError(
            f"the market has {n_tenders} tenders with 3+ bids; simulating verdicts needs at least "
            f"{MIN_LOCAL + MIN_UNREVIEWED}"
        )
    capped = {v: cap for v in requested if v > cap}
    return sorted({min(v, cap) for v in requested}), capped


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (verdicts, strategy): means over repeats, with the ROC AUC's spread."""
    g = runs.groupby(["verdicts", "strategy"], sort=False)
    curve = g.mean(numeric_only=True).drop(columns=["repeat"])
    measured = g["roc_auc"].count()
    # the spread over the repeats whose unreviewed tenders hold both classes (a single one: 0)
    curve["roc_auc_sd"] = g["roc_auc"].std(ddof=1).where(measured > 1, 0.0).where(measured > 0)
    curve["roc_auc_min"] = g["roc_auc"].min()
    curve["roc_auc_max"] = g["roc_auc"].max()
    curve["repeats"] = g.size()
    curve["repeats_measured"] = measured
    curve = curve.reset_index()
    rank = {s: i for i, s in enumerate(("none", "queue", "random"))}
    curve = curve.sort_values(
        ["verdicts", "strategy"], key=lambda c: c.map(rank) if c.name == "strategy" else c
    )
    return curve.reindex(columns=list(CURVE_COLUMNS)).reset_index(drop=True)


def simulate_verdicts(
    bids: pd.DataFrame,
    start: pd.Series,
    checkpoints: Sequence[int],
    batch: int = 10,
    mix: float = 0.5,
    repeats: int = 3,
    fit: Fitter = fit_and_score,
    progress: Callable[[int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Every strategy on one market: (learning curve, per-repeat rows, metrics). `start` is the
    cross-market model's probability per tender."""
    market = Market.build(bids, start)
    used, capped = cap_checkpoints(checkpoints, len(market.tenders))
    rows = [{"verdicts": 0, "strategy": "none", "repeat": 0, **measure(market, [], market.start)}]
    timing: dict[str, float] = {}
    done = 0
    for strategy in ("queue", "random"):
        t0 = time.perf_counter()
        for r in range(repeats):
            rows += simulate(market, strategy, used, batch=batch, mix=mix, seed=r, fit=fit)
            done += 1
            if progress:
                progress(done)
        timing[strategy] = round(time.perf_counter() - t0, 1)
    runs = pd.DataFrame(rows).reindex(columns=list(RUN_COLUMNS))
    curve = summarise(runs)
    metrics: dict[str, Any] = {
        "n_tenders": len(market.tenders),
        "n_positive": int(market.labels.sum()),
        "firm_ids": market.adjacency is not None,
        "checkpoints_requested": sorted(set(checkpoints)),
        "checkpoints": used,
        "capped": {str(k): v for k, v in capped.items()},
        "min_unreviewed": MIN_UNREVIEWED,
        "batch": batch,
        "queue_mix": mix,
        "repeats": repeats,
        "seeds": list(range(repeats)),
        "min_local_verdicts": MIN_LOCAL,
        "min_per_class": MIN_PER_CLASS,
        "wall_s": timing,
    }
    return curve, runs, metrics


def plot_curves(
    curves: dict[str, pd.DataFrame], path: Path, reference: dict[str, float] | None = None
) -> None:
    """One column per market. Top: ROC AUC on the unreviewed tenders against verdicts, queue and random
    (min-max band over repeats), their neighbour votes weighted by shared bidders (dotted), the
    cross-market model (dashed) and, when given, the in-market cross-validation reference (grey).
    Bottom: collusive tenders found by the verdicts (mean over repeats) and every collusive tender."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(curves)
    fig, axes = plt.subplots(
        2, n, figsize=(4.2 * n, 6.0), squeeze=False, sharex="col", gridspec_kw={"height_ratios": [3, 2]}
    )
    colours = {"queue": "tab:red", "random": "tab:blue"}
    for col, (title, curve) in enumerate(curves.items()):
        ax, hx = axes[0][col], axes[1][col]
        none = curve[curve["strategy"] == "none"]
        xmax = float(curve["verdicts"].max())
        for strategy, colour in colours.items():
            c = curve[curve["strategy"].isin([strategy, "none"])].sort_values("verdicts")
            ax.plot(c["verdicts"], c["roc_auc"], marker="o", ms=3, c=colour, label=strategy)
            ax.fill_between(c["verdicts"], c["roc_auc_min"], c["roc_auc_max"], color=colour, alpha=0.15, lw=0)
            nv = c[c["strategy"] == strategy]
            if nv["weighted_vote_roc_auc"].notna().any():
                ax.plot(
                    nv["verdicts"],
                    nv["weighted_vote_roc_auc"],
                    ls=":",
                    marker=".",
                    c=colour,
                    label=f"neighbour vote, weighted ({strategy})",
                )
            hx.plot(c["verdicts"], c["hits"], marker="o", ms=3, c=colour, label=strategy)
        if len(none):
            ax.axhline(float(none["roc_auc"].iloc[0]), ls="--", c="black", lw=0.8, label="cross-market model")
            hx.axhline(float(none["n_unreviewed_positive"].iloc[0]), c="grey", lw=0.8, label="all collusive")
        if reference and title in reference:
            ax.axhline(reference[title], c="grey", lw=0.8, label="in-market CV, all labels")
        ax.axhline(0.5, c="lightgrey", lw=0.6)
        ax.set(title=title, xlim=(0, xmax * 1.03), ylim=(0.4, 1.0))
        hx.set(xlabel="verdicts", ylim=(0, None))
    axes[0][0].set_ylabel("ROC AUC, unreviewed tenders")
    axes[1][0].set_ylabel("collusive tenders found")
    handles: dict[str, Any] = {}
    for ax in axes[0]:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    axes[0][-1].legend(handles.values(), handles.keys(), loc="lower right", fontsize=7)
    axes[1][-1].legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def simulate_garcia_file(
    path: Path,
    out: Path,
    checkpoints: Sequence[int],
    train: Sequence[Path] | None = None,
    mix: float = 0.5,
    batch: int = 10,
    repeats: int = 3,
    fit_start: StartFitter = screens_cross_market,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The whole run on one García file: learning_curve.csv, learning_curve_runs.csv,
    learning_metrics.json and learning_curve.png under `out`."""
    train_files = list(train) if train else default_train_files(path)
    if not train_files:
        raise SimulationInputError(
            f"no training file for the cross-market model: pass --train, or put other García files beside {path}"
        )
    same = [p for p in train_files if p.resolve() == path.resolve()]
    if same:
        raise SimulationInputError(f"the cross-market model must not train on the evaluated file {path.name}")
    bids = load_garcia(path)
    t0 = time.perf_counter()
    start = fit_start(train_files, 0)(bids)
    start_s = time.perf_counter() - t0
    curve, runs, metrics = simulate_verdicts(
        bids, start, checkpoints, batch=batch, mix=mix, repeats=repeats, progress=progress
    )
    metrics = {
        "input": path.name,
        "train": [p.name for p in train_files],
        "start_model": getattr(fit_start, "__name__", str(fit_start)),
        **metrics,
    }
    metrics["wall_s"]["start_model"] = round(start_s, 1)
    out.mkdir(parents=True, exist_ok=True)
    curve.to_csv(out / "learning_curve.csv", index=False)
    runs.to_csv(out / "learning_curve_runs.csv", index=False)
    (out / "learning_metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True))
    plot_curves({path.stem: curve}, out / "learning_curve.png")
    return metrics
