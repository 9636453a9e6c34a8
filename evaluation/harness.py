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

log = logging.getLogger(__name__)

# The labelled-data reader lives in core (the screens detector trains on the same files); its error is
# this harness's input error.
EvaluationInputError = LabelledInputError


class ThresholdLeakError(RuntimeError):
    """A model's inner scores (for the F1 threshold) name a tender of the fold being evaluated."""


def make_folds(labels: pd.Series, n_splits: int, seed: int) -> pd.Series:
    """Stratified folds over tenders (one row per tender, so grouping by tender is exact)."""
    from sklearn.model_selection import StratifiedKFold

    n_min = int(labels.value_counts().min()) if labels.nunique() > 1 else 0
    if n_min < n_splits:
        raise EvaluationInputError(
            f"{n_splits}-fold stratified cross-validation needs at least {n_splits} tenders of each class; "
            f"the smaller class has {n_min}"
        )
    folds = pd.Series(-1, index=labels.index, name="fold", dtype=int)
    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(skf.split(np.zeros(len(labels)), labels.to_numpy())):
        folds.iloc[test] = k
    return folds


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
    repeats: list[RepeatResult] = []
    for r in range(n_repeats):
        repeats.append(run_repeat(eligible, labels, oof, base_seed + r, n_splits=n_splits, detailed=detailed))
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
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True))
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
        f"{metrics['n_positive']} collusive; {metrics['n_repeats']} x {metrics['n_splits']}-fold stratified "
        "cross-validation grouped by tender.",
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
