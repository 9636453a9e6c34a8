"""Risk weights from evidence: the detectors' weights in the combined risk, fitted on investigators' verdicts.

The combined risk (detectors/risk.py) is a noisy-OR, 1 - prod_d (1 - w_d * s_d), over each detector's
strongest score s_d on a subject. Read as a probability that auditors confirm the subject, it is a model
whose parameters are the weights, so verdicts can fit them by maximum likelihood (the noisy-OR of Pearl
1988 and Henrion 1989, with a leak term for subjects confirmed on no detector's evidence). Each weight gets a
Beta prior whose mode is the hand-set weight declared by its detector (`DetectorInfo.weight`), worth
`prior_strength` pseudo-verdicts; the fit is the posterior mode. With few verdicts the priors hold; as
verdicts accumulate the data take over, detector by detector, for the detectors the verdicts actually saw.

Until `min_verdicts` labelled subjects with `min_per_class` of each class exist, nothing is fitted and the
hand-set priors stay, labelled as such in the risk table, the API and the emails (`source = "prior"`).
The fit is kept only if its cross-validated log loss beats the priors'; the file records both.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from detectors.verdict_labels import VerdictLabels

log = logging.getLogger(__name__)

LEAK_PRIOR = 0.05
FORMAT = 1


@dataclass(frozen=True)
class RiskWeights:
    """The weights the combined risk uses, and where they come from."""

    weights: dict[str, float]
    source: str = "prior"  # "prior" (hand-set, declared by each detector) | "fitted" (on verdicts)
    n_verdicts: int = 0  # subjects (tenders, firms) labelled by verdicts that the fit saw
    n_positive: int = 0
    leak: float = LEAK_PRIOR
    fitted_at: str | None = None
    cv_log_loss: dict[str, float] = field(default_factory=dict)  # {"prior": ..., "fitted": ...}
    note: str = ""

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, **asdict(self)}, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> RiskWeights:
        raw = json.loads(text)
        raw.pop("format", None)
        return cls(**raw)


def priors() -> RiskWeights:
    from detectors.registry import WEIGHTS

    return RiskWeights(weights=dict(WEIGHTS), source="prior", note="pesos definidos à mão (a priori)")


def load(path: Path | None) -> RiskWeights:
    """The fitted weights in `path` when it holds a fit, else the priors. A detector the file does not know
    (added after the fit) keeps its prior."""
    base = priors()
    if path is None or not path.exists():
        return base
    try:
        got = RiskWeights.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, TypeError) as exc:
        log.warning("risk weights file %s unreadable (%s); using the hand-set priors", path, exc)
        return base
    if got.source != "fitted":
        return base
    return RiskWeights(**{**asdict(got), "weights": {**base.weights, **got.weights}})


def design(findings: pd.DataFrame, labels: VerdictLabels, detectors: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): one row per labelled tender or firm, X[:, d] = detector d's strongest score on it."""
    subjects = {**labels.tenders, **labels.firms}
    if not subjects:
        return np.zeros((0, len(detectors))), np.zeros(0)
    col = {d: i for i, d in enumerate(detectors)}
    f = findings[findings["subject_id"].isin(subjects) & findings["detector"].isin(col)]
    best = f.groupby(["subject_id", "detector"])["score"].max()
    ids = sorted(subjects)
    row = {s: i for i, s in enumerate(ids)}
    x = np.zeros((len(ids), len(detectors)))
    for (s, d), v in best.items():
        x[row[s], col[d]] = float(v)
    y = np.array([subjects[s] for s in ids], dtype=float)
    return x, y


def _prob(w: np.ndarray, leak: float, x: np.ndarray) -> np.ndarray:
    keep = (1.0 - leak) * np.prod(1.0 - x * w, axis=1)
    return np.clip(1.0 - keep, 1e-9, 1 - 1e-9)


def log_loss(w: np.ndarray, leak: float, x: np.ndarray, y: np.ndarray) -> float:
    p = _prob(w, leak, x)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def fit_map(x: np.ndarray, y: np.ndarray, prior: np.ndarray, strength: float) -> tuple[np.ndarray, float]:
    """Posterior mode of the weights (and the leak) under Beta priors with modes `prior` (and LEAK_PRIOR)."""
    from scipy.optimize import minimize

    m = np.append(prior, LEAK_PRIOR)
    a, b = strength * m + 1.0, strength * (1.0 - m) + 1.0

    def objective(theta: np.ndarray) -> float:
        w, leak = theta[:-1], theta[-1]
        p = _prob(w, leak, x)
        nll = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
        return float(nll - np.sum((a - 1) * np.log(theta) + (b - 1) * np.log(1 - theta)))

    eps = 1e-4
    res = minimize(objective, np.clip(m, eps, 1 - eps), method="L-BFGS-B", bounds=[(eps, 1 - eps)] * len(m))
    return res.x[:-1], float(res.x[-1])


def fit(
    findings: pd.DataFrame,
    labels: VerdictLabels,
    prior_weights: Mapping[str, float],
    min_verdicts: int = 30,
    min_per_class: int = 5,
    prior_strength: float = 10.0,
    folds: int = 5,
    seed: int = 0,
) -> RiskWeights:
    """Fit the weights on the verdict labels, or keep the priors (with the reason in `note`)."""
    detectors = sorted(prior_weights)
    x, y = design(findings, labels, detectors)
    n, pos = len(y), int(y.sum())
    prior = np.array([prior_weights[d] for d in detectors])
    base = dict(prior_weights)
    if n < min_verdicts or min(pos, n - pos) < min_per_class:
        return RiskWeights(
            weights=base, source="prior", n_verdicts=n, n_positive=pos,
            note=(f"pesos definidos à mão (a priori): {n} casos decididos pela auditoria, {pos} confirmados; o "
                  f"ajuste pede ao menos {min_verdicts}, com {min_per_class} de cada lado"),
        )
    # cross-validated log loss of the priors and of the fit, on the same folds
    rng = np.random.default_rng(seed)
    fold = rng.permutation(n) % folds
    loss_prior, loss_fit = [], []
    for k in range(folds):
        test, train = fold == k, fold != k
        if test.sum() == 0 or len(set(y[train])) < 2:
            continue
        w, leak = fit_map(x[train], y[train], prior, prior_strength)
        loss_fit.append(log_loss(w, leak, x[test], y[test]) * test.sum())
        loss_prior.append(log_loss(prior, LEAK_PRIOR, x[test], y[test]) * test.sum())
    cv = {"prior": round(sum(loss_prior) / n, 4), "fitted": round(sum(loss_fit) / n, 4)}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if not loss_fit or cv["fitted"] >= cv["prior"]:
        return RiskWeights(
            weights=base, source="prior", n_verdicts=n, n_positive=pos, fitted_at=now, cv_log_loss=cv,
            note="pesos definidos à mão (a priori): o ajuste aos vereditos não melhorou a validação cruzada",
        )
    w, leak = fit_map(x, y, prior, prior_strength)
    return RiskWeights(
        weights={d: round(float(v), 4) for d, v in zip(detectors, w, strict=True)},
        source="fitted", n_verdicts=n, n_positive=pos, leak=round(leak, 4), fitted_at=now, cv_log_loss=cv,
        note=f"pesos ajustados em {n} casos decididos pela auditoria ({pos} confirmados)",
    )


def save(weights: RiskWeights, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(weights.to_json(), encoding="utf-8")
    tmp.replace(path)
    return path
