"""Detection quality on labelled data: the harness behind `licitagraph evaluate`.

García layout (`--format garcia`): one row per bid with `Tender`, `Competitors` (firm id, may be empty
or absent), `Bid_value`, `Winner`, `Collusive_competitor` (label, constant within a tender); any other
column is ignored, the precomputed screens included. Evaluation is tender-level: repeated stratified
5-fold cross-validation over tenders with 3 or more bids (a tender's bids never straddle folds), each
model scoring every tender out-of-fold. The F1 threshold of a fold is chosen on scores of that fold's
training tenders made without their labels, never on the fold's own labels: by default nested out-of-fold
scores (a 4-fold cross-validation inside the training tenders, one more set of fits per outer fold); a
model registered in `evaluation.classifiers.DETAILED` (the GNN, the ensemble) hands over such inner scores from
its own fits instead (the GNN fold model's validation split), which saves the nested trainings. The harness
checks that inner scores name training tenders only, and falls back to the nested estimate when they are
missing or hold a single class.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.labelled import GARCIA_REQUIRED as GARCIA_REQUIRED
from core.labelled import MIN_BIDS as MIN_BIDS
from core.labelled import LabelledInputError
from core.labelled import eligible_labels as eligible_labels
from core.labelled import load_garcia as load_garcia
from core.labelled import normalize_garcia as normalize_garcia
from evaluation.classifiers import DETAILED, OofDetailed, OofResult, get_model
from evaluation.splits import make_folds as make_folds

log = logging.getLogger(__name__)

# The labelled-data reader lives in core (the screens detector trains on the same files); its error is
# this harness's input error.
EvaluationInputError = LabelledInputError


class ThresholdLeakError(RuntimeError):
    """A model's inner scores (for the F1 threshold) name a tender of the fold being evaluated."""


def best_f1_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The score threshold (predict positive when score >= t) that maximises F1 on these scores."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    fp = np.cumsum(1 - y)
    pos = y.sum()
    f1 = 2 * tp / (tp + fp + pos)
    # only cut between distinct scores
    last_of_run = np.r_[s[1:] != s[:-1], True]
    f1 = np.where(last_of_run, f1, -1.0)
    i = int(np.argmax(f1))
    return float(s[i])


def precision_at_top(scores: np.ndarray, labels: np.ndarray, frac: float = 0.10) -> float:
    k = max(1, math.ceil(frac * len(scores)))
    top = np.argsort(-scores, kind="stable")[:k]
    return float(labels[top].mean())


@dataclass
class RepeatResult:
    seed: int
    folds: pd.Series
    scores: pd.Series
    thresholds: dict[int, float]
    metrics: dict[str, float]
    # outer fold -> "inner" (the model's own inner scores) or "nested" (nested cross-validation)
    threshold_source: dict[int, str] = field(default_factory=dict)
    components: dict[str, pd.Series] = field(default_factory=dict)
    inner_method: str = ""


def _f1(pred: np.ndarray, y: np.ndarray) -> float:
    tp = float((pred & (y == 1)).sum())
    fp = float((pred & (y == 0)).sum())
    fn = float((~pred & (y == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def score_metrics(scores: np.ndarray, y: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    return {
        "roc_auc": float(roc_auc_score(y, scores)),
        "pr_auc": float(average_precision_score(y, scores)),
        "precision_at_10pct": precision_at_top(scores, y, 0.10),
    }


def inner_threshold(
    inner: pd.Series | None, labels: pd.Series, train_tenders: pd.Index, test_tenders: pd.Index
) -> float | None:
    """F1-best cut on a model's inner scores of training tenders; None when they cannot be used
    (missing, or a single class). Raises ThresholdLeakError if they name a test tender or an unknown one."""
    if inner is None or not len(inner):
        return None
    idx = pd.Index(inner.index)
    leaked = idx.intersection(test_tenders)
    if len(leaked) or not idx.isin(train_tenders).all():
        raise ThresholdLeakError(
            f"inner scores for the threshold must name training tenders only; got {len(leaked)} test "
            f"tender(s) (e.g. {list(leaked[:3])}) and {int((~idx.isin(train_tenders)).sum())} outside training"
        )
    y = labels.loc[idx].to_numpy()
    if len(np.unique(y)) < 2:
        return None
    return best_f1_threshold(inner.to_numpy(dtype=float), y)


def run_repeat(
    bids: pd.DataFrame,
    labels: pd.Series,
    oof: Callable[[pd.DataFrame, pd.Series, int], pd.Series],
    seed: int,
    n_splits: int = 5,
    inner_splits: int = 4,
    detailed: OofDetailed | None = None,
) -> RepeatResult:
    folds = make_folds(labels, n_splits, seed)
    res = detailed(bids, folds, seed) if detailed is not None else OofResult(oof(bids, folds, seed))
    scores = res.scores.reindex(folds.index).astype(float)
    if scores.isna().any():
        raise EvaluationInputError(f"model returned no score for {int(scores.isna().sum())} tender(s)")
    thresholds: dict[int, float] = {}
    source: dict[int, str] = {}
    pred = np.zeros(len(folds), dtype=bool)
    for k in sorted(folds.unique()):
        train_tenders = folds.index[folds != k]
        t = inner_threshold(res.inner.get(int(k)), labels, train_tenders, folds.index[folds == k])
        source[int(k)] = "inner"
        if t is None:
            inner = make_folds(labels.loc[train_tenders], inner_splits, seed + 7919 * (k + 1))
            inner_bids = bids[bids["tender"].isin(train_tenders)]
            inner_scores = oof(inner_bids, inner, seed).reindex(inner.index).to_numpy(dtype=float)
            t = best_f1_threshold(inner_scores, labels.loc[inner.index].to_numpy())
            source[int(k)] = "nested"
        thresholds[int(k)] = t
        mask = (folds == k).to_numpy()
        pred[mask] = scores.to_numpy()[mask] >= t
    y = labels.loc[folds.index].to_numpy()
    m = score_metrics(scores.to_numpy(), y)
    m["f1"] = _f1(pred, y)
    m["precision"] = float((pred & (y == 1)).sum() / pred.sum()) if pred.sum() else 0.0
    m["recall"] = float((pred & (y == 1)).sum() / (y == 1).sum())
    components = {name: c.reindex(folds.index).astype(float) for name, c in res.components.items()}
    for name, c in components.items():
        for metric, v in score_metrics(c.to_numpy(), y).items():
            if metric != "precision_at_10pct":
                m[f"{name}_{metric}"] = v
    return RepeatResult(seed, folds, scores, thresholds, m, source, components, res.inner_method)


def evaluate_bids(
    bids: pd.DataFrame,
    model: str = "screens",
    n_repeats: int = 5,
    n_splits: int = 5,
    base_seed: int = 0,
    progress: Callable[[int], None] | None = None,
    detailed_thresholds: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run the repeated grouped cross-validation; return (scores table, metrics).

    `detailed_thresholds=False` forces the nested cross-validation for every model's thresholds."""
    oof = get_model(model)
    detailed = DETAILED.get(model) if detailed_thresholds else None
    labels = eligible_labels(bids)
    eligible = bids[bids["tender"].isin(labels.index)].reset_index(drop=True)
    from evaluation.classifiers import IDENTITY_MODELS, neighbour_oof_scores

    with_vote = model in IDENTITY_MODELS and model != "neighbour"
    votes: list[pd.Series] = []
    repeats: list[RepeatResult] = []
    for r in range(n_repeats):
        repeats.append(run_repeat(eligible, labels, oof, base_seed + r, n_splits=n_splits, detailed=detailed))
        if with_vote:  # the feature-free neighbour vote on the same folds, reported beside the model
            v = neighbour_oof_scores(eligible, repeats[-1].folds, 0).reindex(repeats[-1].folds.index)
            votes.append(v)
            y_r = labels.loc[v.index].to_numpy()
            repeats[-1].metrics["neighbour_vote_roc_auc"] = score_metrics(v.to_numpy(dtype=float), y_r)[
                "roc_auc"
            ]
        log.info("repeat %d/%d: %s", r + 1, n_repeats, repeats[-1].metrics)
        if progress:
            progress(r + 1)
    mean_scores = pd.concat([rr.scores for rr in repeats], axis=1).mean(axis=1)
    table = pd.DataFrame(
        {
            "tender": labels.index,
            "score": mean_scores.loc[labels.index].to_numpy(),
            "fold": repeats[0].folds.loc[labels.index].to_numpy(),
        }
    )
    for name in repeats[0].components:
        comp = pd.concat([rr.components[name] for rr in repeats], axis=1).mean(axis=1)
        table[f"score_{name}"] = comp.loc[labels.index].to_numpy()
    y = labels.to_numpy()
    pooled = score_metrics(table["score"].to_numpy(), y)
    per_repeat = pd.DataFrame([rr.metrics for rr in repeats])
    metrics: dict[str, Any] = {
        "model": model,
        "n_tenders": len(labels),
        "n_positive": int(y.sum()),
        "n_bids": len(eligible),
        "min_bids_per_tender": MIN_BIDS,
        "n_splits": n_splits,
        "n_repeats": n_repeats,
        "seeds": [rr.seed for rr in repeats],
        "roc_auc": float(per_repeat["roc_auc"].mean()),
        "pr_auc": float(per_repeat["pr_auc"].mean()),
        "f1": float(per_repeat["f1"].mean()),
        "precision_at_10pct": float(per_repeat["precision_at_10pct"].mean()),
        "spread": {
            col: {
                "mean": float(per_repeat[col].mean()),
                "std": float(per_repeat[col].std(ddof=1)) if n_repeats > 1 else 0.0,
                "min": float(per_repeat[col].min()),
                "max": float(per_repeat[col].max()),
            }
            for col in per_repeat.columns
        },
        "averaged_scores": pooled,
        "per_repeat": [
            {
                "seed": rr.seed,
                **rr.metrics,
                "thresholds": rr.thresholds,
                "threshold_source": rr.threshold_source,
            }
            for rr in repeats
        ],
        "threshold_selection": _threshold_note(repeats),
    }
    if with_vote:
        vote_avg = pd.concat(votes, axis=1).mean(axis=1).loc[labels.index]
        table["score_neighbour_vote"] = vote_avg.to_numpy()
        metrics["baselines"] = {
            "neighbour_vote": {
                "roc_auc": float(per_repeat["neighbour_vote_roc_auc"].mean()),
                "averaged_scores": score_metrics(vote_avg.to_numpy(), y),
            }
        }
    if repeats[0].components:
        metrics["components"] = {
            name: {
                "roc_auc": float(per_repeat[f"{name}_roc_auc"].mean()),
                "pr_auc": float(per_repeat[f"{name}_pr_auc"].mean()),
                "averaged_scores": score_metrics(table[f"score_{name}"].to_numpy(), y),
            }
            for name in repeats[0].components
        }
    return table, metrics


NESTED_NOTE = "per outer fold, F1-maximising cut on nested out-of-fold scores of its training tenders"


def _threshold_note(repeats: list[RepeatResult]) -> str:
    sources = [s for rr in repeats for s in rr.threshold_source.values()]
    n_inner = sources.count("inner")
    if not n_inner:
        return NESTED_NOTE
    how = next((rr.inner_method for rr in repeats if rr.inner_method), "the model's inner scores")
    note = f"per outer fold, F1-maximising cut on {how} ({n_inner} of {len(sources)} folds)"
    if n_inner < len(sources):
        note += "; the other folds: " + NESTED_NOTE.split(", ", 1)[1]
    return note


def write_report(
    out: Path, table: pd.DataFrame, labels: pd.Series, metrics: dict[str, Any], title: str
) -> None:
    """scores.csv, metrics.json, roc.png, pr.png and report.md under `out`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve, roc_curve

    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "scores.csv", index=False)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True, default=str))
    y = labels.loc[table["tender"]].to_numpy()
    s = table["score"].to_numpy()
    fpr, tpr, _ = roc_curve(y, s)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(fpr, tpr, label=f"AUC {metrics['averaged_scores']['roc_auc']:.3f}")
    ax.plot([0, 1], [0, 1], ls="--", c="grey")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC - {title}")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "roc.png", dpi=100)
    plt.close(fig)
    prec, rec, _ = precision_recall_curve(y, s)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(rec, prec, label=f"AP {metrics['averaged_scores']['pr_auc']:.3f}")
    ax.axhline(y.mean(), ls="--", c="grey", label=f"base rate {y.mean():.2f}")
    ax.set(xlabel="recall", ylabel="precision", title=f"Precision-recall - {title}", ylim=(0, 1.02))
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(out / "pr.png", dpi=100)
    plt.close(fig)
    sp = metrics["spread"]
    lines = [
        f"# Evaluation: {title}",
        "",
        f"Model `{metrics['model']}`, {metrics['n_tenders']} tenders with {MIN_BIDS}+ bids, "
        f"{metrics['n_positive']} collusive; "
        + (
            f"{metrics['n_repeats']} x {metrics['n_splits']}-fold stratified cross-validation grouped by tender."
            if metrics.get("split", "tender") == "tender"
            else f"{metrics['n_repeats']} repeat(s) of `--split {metrics['split']}` ({metrics['n_splits']} folds), "
            f"{metrics['n_scored']} tenders scored ({metrics['n_scored_positive']} collusive)."
        ),
        "",
        "| metric | mean | std | min | max |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {k} | {v['mean']:.3f} | {v['std']:.3f} | {v['min']:.3f} | {v['max']:.3f} |"
            for k, v in sp.items()
        ),
        "",
        "![ROC](roc.png) ![PR](pr.png)",
        "",
    ]
    (out / "report.md").write_text("\n".join(lines))


def evaluate_garcia_file(
    path: Path,
    out: Path,
    model: str = "screens",
    n_repeats: int = 5,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    bids = load_garcia(path)
    table, metrics = evaluate_bids(bids, model=model, n_repeats=n_repeats, progress=progress)
    metrics["input"] = path.name
    write_report(out, table, eligible_labels(bids), metrics, f"{path.stem} ({model})")
    return metrics


# ---------------------------------------------------------------------------------------------
# --split firm | time | cartel | market, and the neighbour vote beside identity models


def load_inputs(paths: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Normalised bids of one or more García files, and the raw frame (for dates and cartels).

    With several files every tender and firm id is prefixed with its market (the file's stem) and a
    `market` column names it: ids of different files are unrelated, so no firm is shared between them."""
    from evaluation.splits import SplitError

    if len(paths) == 1:
        raw = pd.read_csv(paths[0]) if paths[0].exists() else None
        return load_garcia(paths[0]), raw
    stems = [p.stem for p in paths]
    if len(set(stems)) != len(stems):
        raise SplitError(f"--input files need distinct names; got {stems}")
    frames = []
    for p in paths:
        try:
            b = load_garcia(p)
        except LabelledInputError as exc:
            raise EvaluationInputError(f"{p.name}: {exc}") from exc
        b["tender"] = p.stem + ":" + b["tender"]
        b["firm"] = b["firm"].map(lambda f, s=p.stem: None if f is None else f"{s}:{f}")
        b["market"] = p.stem
        frames.append(b)
    return pd.concat(frames, ignore_index=True), None


def build_split(
    kind: str, bids: pd.DataFrame, raw: pd.DataFrame | None, labels: pd.Series, n_splits: int, seed: int
) -> Any:
    """The `evaluation.splits.Split` of `kind` over the eligible tenders `labels`."""
    from evaluation import splits as sp

    if kind == "tender":
        return sp.tender_split(labels, n_splits, seed)
    if kind == "firm":
        return sp.firm_split(bids, labels, n_splits, seed)
    if kind == "time":
        return sp.time_split(sp.tender_dates(raw, labels), labels, n_splits)
    if kind == "cartel":
        return sp.cartel_split(sp.tender_cartels(raw, labels), labels, n_splits, seed)
    if kind == "market":
        if "market" not in bids.columns:
            raise sp.SplitError("--split market needs two or more --input files (one market each)")
        return sp.market_split(bids.groupby("tender")["market"].first().reindex(labels.index))
    raise sp.SplitError(f"--split must be one of {', '.join(sp.SPLITS)}, not {kind!r}")


def _fold_metrics(scores: pd.Series, labels: pd.Series) -> dict[str, float | None]:
    y = labels.loc[scores.index].to_numpy()
    if len(np.unique(y)) < 2:
        return {"roc_auc": None, "pr_auc": None}
    m = score_metrics(scores.to_numpy(dtype=float), y)
    return {"roc_auc": m["roc_auc"], "pr_auc": m["pr_auc"]}


def evaluate_split(
    bids: pd.DataFrame,
    raw: pd.DataFrame | None,
    split: str,
    model: str = "screens",
    n_repeats: int = 1,
    n_splits: int = 5,
    base_seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Every model as explicit (train, test) folds of `split`; threshold-free metrics (ROC AUC, PR AUC,
    precision in the top 10 %) pooled over the tenders scored, and per fold. A model reading firm identity
    gets the neighbour vote computed on the same folds beside it (`baselines`)."""
    from evaluation.classifiers import HOLDOUT, IDENTITY_MODELS, combine_members

    if model not in HOLDOUT:
        raise KeyError(f"unknown model {model!r}; known: {', '.join(sorted(HOLDOUT))}")
    labels = eligible_labels(bids)
    eligible = bids[bids["tender"].isin(labels.index)].reset_index(drop=True)
    with_vote = model in IDENTITY_MODELS and model != "neighbour"
    runs: list[dict[str, Any]] = []
    for r in range(n_repeats):
        seed = base_seed + r
        sp = build_split(split, eligible, raw, labels, n_splits, seed)
        scores: list[pd.Series] = []
        comps: dict[str, list[pd.Series]] = {}
        vote: list[pd.Series] = []
        per_fold: list[tuple[Any, dict[str, Any]]] = []
        for f in sp.folds:
            sub = eligible[eligible["tender"].isin(f.train.union(f.test))]
            res = HOLDOUT[model](sub, f.train, f.test, seed * 1000 + f.k)
            scores.append(res.scores.reindex(f.test))
            for name, c in res.components.items():
                comps.setdefault(name, []).append(c.reindex(f.test))
            row: dict[str, Any] = {
                "fold": f.k,
                "name": f.name,
                "train": len(f.train),
                "test": len(f.test),
                "test_collusive": int(labels.loc[f.test].sum()),
            }
            if with_vote:
                v = HOLDOUT["neighbour"](sub, f.train, f.test, 0).scores.reindex(f.test)
                vote.append(v)
                row["neighbour_vote"] = _fold_metrics(v, labels)
            per_fold.append((f, row))
        pooled = pd.concat(scores)
        components = {n: pd.concat(c) for n, c in comps.items()}
        pooled = combine_members(model, pooled, components)
        for f, row in per_fold:
            row.update(_fold_metrics(pooled.loc[f.test], labels))
        runs.append(
            {
                "seed": seed,
                "split": sp,
                "scores": pooled,
                "components": components,
                "vote": pd.concat(vote) if vote else None,
                "folds": [row for _, row in per_fold],
            }
        )
        log.info("repeat %d/%d of --split %s: %d tenders scored", r + 1, n_repeats, split, len(pooled))
        if progress:
            progress(r + 1)
    tested = runs[0]["scores"].index
    for run in runs[1:]:
        tested = tested.intersection(run["scores"].index)
    y = labels.loc[tested].to_numpy()

    def avg(key: str) -> pd.Series:
        return pd.concat([run[key].reindex(tested) for run in runs], axis=1).mean(axis=1)

    mean_scores = avg("scores")
    table = pd.DataFrame({"tender": tested, "score": mean_scores.to_numpy()})
    fold_of = {t: f.k for f in runs[0]["split"].folds for t in f.test}
    table["fold"] = [fold_of.get(t, -1) for t in tested]
    per_repeat = []
    for run in runs:
        s = run["scores"]
        m = score_metrics(s.to_numpy(dtype=float), labels.loc[s.index].to_numpy())
        for name, c in run["components"].items():
            m[f"{name}_roc_auc"] = score_metrics(c.to_numpy(dtype=float), labels.loc[c.index].to_numpy())[
                "roc_auc"
            ]
        if run["vote"] is not None:
            v = run["vote"]
            m["neighbour_vote_roc_auc"] = score_metrics(
                v.to_numpy(dtype=float), labels.loc[v.index].to_numpy()
            )["roc_auc"]
        m["fold_roc_auc"] = _within_fold_auc(run["folds"])
        per_repeat.append({"seed": run["seed"], **m, "folds": run["folds"], "n_scored": len(s)})
    frame = pd.DataFrame([{k: v for k, v in p.items() if k not in ("folds", "seed")} for p in per_repeat])
    sp0 = runs[0]["split"]
    metrics: dict[str, Any] = {
        "model": model,
        "split": split,
        "split_notes": sp0.notes,
        "n_tenders": len(labels),
        "n_positive": int(labels.sum()),
        "n_scored": len(tested),
        "n_scored_positive": int(y.sum()),
        "n_bids": len(eligible),
        "min_bids_per_tender": MIN_BIDS,
        "n_splits": len(sp0.folds),
        "n_repeats": n_repeats,
        "seeds": [run["seed"] for run in runs],
        "roc_auc": float(frame["roc_auc"].mean()),
        "pr_auc": float(frame["pr_auc"].mean()),
        "precision_at_10pct": float(frame["precision_at_10pct"].mean()),
        "spread": {
            col: {
                "mean": float(frame[col].mean()),
                "std": float(frame[col].std(ddof=1)) if n_repeats > 1 else 0.0,
                "min": float(frame[col].min()),
                "max": float(frame[col].max()),
            }
            for col in frame.columns
            if col != "n_scored"
        },
        "averaged_scores": score_metrics(mean_scores.to_numpy(), y),
        "per_repeat": per_repeat,
        "threshold_selection": "none: threshold-free metrics only under this split",
    }
    if runs[0]["components"]:
        for name in runs[0]["components"]:
            table[f"score_{name}"] = avg_component(runs, name, tested).to_numpy()
    if with_vote:
        vote_avg = pd.concat([run["vote"].reindex(tested) for run in runs], axis=1).mean(axis=1)
        table["score_neighbour_vote"] = vote_avg.to_numpy()
        metrics["baselines"] = {
            "neighbour_vote": {
                "roc_auc": float(frame["neighbour_vote_roc_auc"].mean()),
                "averaged_scores": score_metrics(vote_avg.to_numpy(), y),
            }
        }
    return table, metrics


def _within_fold_auc(folds: list[dict[str, Any]]) -> float:
    """Mean ROC AUC inside the folds that hold both classes, weighted by their test tenders (scores are
    compared only within a fold, so a fold-wide shift, such as a training prior, cannot move it); NaN if none."""
    rows = [(r["roc_auc"], r["test"]) for r in folds if r.get("roc_auc") is not None]
    if not rows:
        return float("nan")
    return float(sum(a * n for a, n in rows) / sum(n for _, n in rows))


def avg_component(runs: list[dict[str, Any]], name: str, tested: pd.Index) -> pd.Series:
    return pd.concat([run["components"][name].reindex(tested) for run in runs], axis=1).mean(axis=1)


def evaluate_inputs(
    paths: list[Path],
    out: Path,
    model: str = "screens",
    split: str = "tender",
    n_repeats: int = 5,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """`licitagraph evaluate --format garcia` with any `--split`: writes scores.csv, metrics.json, report."""
    if split == "tender" and len(paths) == 1:
        metrics = evaluate_garcia_file(paths[0], out, model=model, n_repeats=n_repeats, progress=progress)
        metrics["split"] = "tender"
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True, default=str))
        return metrics
    if split == "tender":
        from evaluation.splits import SplitError

        raise SplitError(
            "--split tender takes one --input file; several files are compared with --split market"
        )
    bids, raw = load_inputs(paths)
    table, metrics = evaluate_split(bids, raw, split, model=model, n_repeats=n_repeats, progress=progress)
    metrics["input"] = [p.name for p in paths]
    labels = eligible_labels(bids).loc[table["tender"]]
    write_report(
        out, table, labels, metrics, f"{', '.join(p.stem for p in paths)} ({model}, --split {split})"
    )
    return metrics
