"""Seeded training of the collusion GNN: label trick, early stopping, pos_weight, Platt calibration.

`fit` takes a graph and the labels of the training tenders only (a pandas Series id -> 0/1); no other
label is ever read. Within those, a stratified validation split is held out for early stopping and
calibration. Each epoch the remaining training tenders are split at random into a visible half, whose
labels are fed as input channels, and a target half that the loss is computed on (so a tender never sees
its own label). Validation and inference see every training label as input and none of the scored ones.

Small graphs train full-batch; above `full_batch_max_edges` edges the batches are sampled subgraphs
around the target tenders (`gnn.sampling`). `main()` trains on graph tables from the command line; the
CLI command is `licitagraph train` (gnn/cli.py).
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from pydantic import BaseModel, ConfigDict
from torch import Tensor, nn

from gnn.data import FIRM, TENDER, BidGraph
from gnn.model import CollusionGNN
from gnn.sampling import NeighborSampler

log = logging.getLogger(__name__)

MODEL_VERSION = "0.1.0"


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hidden: int = 64
    layers: int = 2
    dropout: float = 0.3
    lr: float = 0.005
    weight_decay: float = 1e-4
    epochs: int = 200
    patience: int = 30
    min_epochs: int = 20
    val_fraction: float = 0.2
    label_trick: bool = True
    label_rate: float = 0.5
    seed: int = 0
    device: str = "auto"
    full_batch_max_edges: int = 2_000_000
    batch_size: int = 1024
    num_neighbors: list[int] = [20, 10]
    firm_loss_weight: float = 0.5
    # torch intra-op threads while training and scoring; None: 1 on graphs below SMALL_GRAPH_EDGES edges
    # (tiny kernels: more threads only add synchronisation, 20x slower on a loaded 2-core machine),
    # else torch's default
    threads: int | None = None


SMALL_GRAPH_EDGES = 200_000


def n_edges(data: Any) -> int:
    return sum(int(data[et].edge_index.size(1)) for et in data.edge_types)


@contextmanager
def torch_threads(graph: BidGraph, threads: int | None = None) -> Iterator[None]:
    """Run the block with `threads` torch threads (None: 1 for small graphs, else unchanged)."""
    n = threads if threads is not None else (1 if n_edges(graph.data) < SMALL_GRAPH_EDGES else None)
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda asked for, but no CUDA device is available")
    return torch.device(name)


def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return torch.Generator().manual_seed(seed)


def _edge_dims(data: Any) -> dict[tuple[str, str, str], int]:
    return {et: int(data[et].edge_attr.size(1)) for et in data.edge_types if "edge_attr" in data[et]}


def _inputs(data: Any, device: torch.device) -> tuple[dict, dict, dict]:
    x = {nt: data[nt].x.to(device) for nt in data.node_types}
    ei = {et: data[et].edge_index.to(device) for et in data.edge_types}
    ea = {et: data[et].edge_attr.to(device) for et in data.edge_types if "edge_attr" in data[et]}
    return x, ei, ea


def _with_labels(x_tender: Tensor, known: Tensor, y: Tensor) -> Tensor:
    """Append the label-trick channels: [known, label if known else 0]."""
    k = known.to(x_tender.dtype).unsqueeze(1)
    return torch.cat([x_tender, k, (y.to(x_tender.dtype) * known.to(x_tender.dtype)).unsqueeze(1)], dim=1)


@dataclass
class Trained:
    """A trained model with everything needed to reproduce and audit its scores."""

    model: CollusionGNN
    config: TrainConfig
    feature_schema: dict[str, list[str]]
    edge_dims: dict[tuple[str, str, str], int]
    metadata: tuple[list[str], list[tuple[str, str, str]]]
    platt: tuple[float, float] = (1.0, 0.0)
    metrics: dict[str, Any] = field(default_factory=dict)
    data_version: str = ""
    known_labels: dict[str, int] = field(default_factory=dict)
    firm_head_trained: bool = False
    # calibrated probabilities of the validation split (training tenders held out of the loss; their
    # labels were inputs only for early stopping and Platt scaling); None when there was no split.
    # Not saved in checkpoints: the evaluation harness uses it to pick F1 thresholds without a nested
    # cross-validation.
    validation: pd.Series | None = None

    def _logits(
        self,
        graph: BidGraph,
        known: dict[str, int],
        targets: Tensor | None = None,
        device: torch.device | None = None,
    ) -> dict[str, Tensor]:
        dev = device or resolve_device(self.config.device)
        self.model.to(dev).eval()
        n = graph.data[TENDER].num_nodes
        known_mask = torch.zeros(n, dtype=torch.bool)
        y = torch.zeros(n)
        if self.config.label_trick and known:
            idx = graph.idx(TENDER, list(known))
            known_mask[idx] = True
            y[idx] = torch.tensor([float(v) for v in known.values()])
        with torch.no_grad():
            return _forward(self.model, graph, known_mask, y, self.config, targets, dev, None)

    def predict(self, graph: BidGraph, known: dict[str, int] | None = None) -> dict[str, pd.Series]:
        """Calibrated tender probabilities (and firm ones when the firm head was trained).

        `known` defaults to the training labels the model was fitted with; the scored tenders' own
        labels must not be in it.
        """
        known = self.known_labels if known is None else known
        with torch_threads(graph, self.config.threads):
            out = self._logits(graph, known)
        a, b = self.platt
        res = {TENDER: pd.Series(torch.sigmoid(a * out[TENDER] + b).cpu().numpy(), index=graph.ids[TENDER])}
        if self.firm_head_trained and FIRM in out:
            res[FIRM] = pd.Series(torch.sigmoid(out[FIRM]).cpu().numpy(), index=graph.ids[FIRM])
        return res


def _forward(
    model: CollusionGNN,
    graph: BidGraph,
    known: Tensor,
    y: Tensor,
    cfg: TrainConfig,
    targets: Tensor | None,
    device: torch.device,
    gen: torch.Generator | None,
    sampler: NeighborSampler | None = None,
) -> dict[str, Tensor]:
    """Logits for all tenders/firms (full batch) or for `targets` tenders (sampled, in order)."""
    data = graph.data
    if sampler is None or targets is None:
        x, ei, ea = _inputs(data, device)
        if cfg.label_trick:
            x[TENDER] = _with_labels(x[TENDER], known.to(device), y.to(device))
        out = model(x, ei, ea)
        if targets is not None:
            out = {TENDER: out[TENDER][targets.to(device)], **({FIRM: out[FIRM]} if FIRM in out else {})}
        return out
    chunks: list[Tensor] = []
    for start in range(0, targets.numel(), cfg.batch_size):
        seeds = targets[start : start + cfg.batch_size]
        sub = sampler.sample({TENDER: seeds}, gen)
        x, ei, ea = _inputs(sub, device)
        if cfg.label_trick:
            nid = sub[TENDER].n_id
            x[TENDER] = _with_labels(x[TENDER], known[nid].to(device), y[nid].to(device))
        chunks.append(model(x, ei, ea)[TENDER][: seeds.numel()])
    return {TENDER: torch.cat(chunks) if chunks else torch.empty(0, device=device)}


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else float("nan")


def _platt(logits: Tensor, y: Tensor) -> tuple[float, float]:
    """Fit sigmoid(a * logit + b) on the validation split (identity when it has one class)."""
    if y.numel() < 4 or y.min() == y.max():
        return 1.0, 0.0
    ab = torch.tensor([1.0, 0.0], requires_grad=True)
    opt = torch.optim.LBFGS([ab], lr=0.1, max_iter=50)
    lg, yy = logits.detach().cpu().double(), y.cpu().double()

    def closure() -> Tensor:
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(ab[0].double() * lg + ab[1].double(), yy)
        loss = loss + 1e-3 * (ab[0] - 1) ** 2  # keep the slope sane on tiny validation sets
        loss.backward()
        return loss

    opt.step(closure)
    a, b = (float(v) for v in ab.detach())
    if not np.isfinite(a) or a <= 0:
        return 1.0, 0.0
    return a, b


def _stratified_split(
    idx: np.ndarray, y: np.ndarray, frac: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    fit, val = [], []
    for c in (0, 1):
        members = idx[y == c]
        members = members[rng.permutation(len(members))]
        n_val = round(len(members) * frac)
        if len(members) - n_val < 1:
            n_val = 0
        val.append(members[:n_val])
        fit.append(members[n_val:])
    return np.concatenate(fit), np.concatenate(val)


def fit(
    graph: BidGraph,
    labels: pd.Series,
    config: TrainConfig | None = None,
    firm_labels: pd.Series | None = None,
) -> Trained:
    """Train on `labels` (tender id -> 0/1, training tenders only) and return the calibrated model."""
    cfg = config or TrainConfig()
    with torch_threads(graph, cfg.threads):
        return _fit(graph, labels, cfg, firm_labels)


def _fit(graph: BidGraph, labels: pd.Series, cfg: TrainConfig, firm_labels: pd.Series | None) -> Trained:
    gen = seed_everything(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    device = resolve_device(cfg.device)
    data = graph.data
    n_t = data[TENDER].num_nodes
    labels = labels.astype(int)
    t_idx = graph.idx(TENDER, list(labels.index.astype(str))).numpy()
    t_y = labels.to_numpy()
    fit_idx, val_idx = _stratified_split(t_idx, t_y, cfg.val_fraction, rng)
    if len(val_idx) == 0 or len(set(t_y.tolist())) < 2:
        val_idx = fit_idx
    y_all = torch.zeros(n_t)
    y_all[torch.as_tensor(t_idx)] = torch.as_tensor(t_y, dtype=torch.float32)
    n_pos = float(y_all[torch.as_tensor(fit_idx)].sum())
    pos_weight = torch.tensor((len(fit_idx) - n_pos) / max(n_pos, 1.0), device=device)

    f_y: Tensor | None = None
    f_mask: Tensor | None = None
    if firm_labels is not None and len(firm_labels) and FIRM in data.node_types:
        f_index = graph.index[FIRM]
        pairs = [(f_index[str(k)], int(v)) for k, v in firm_labels.items() if str(k) in f_index]
        f_y = torch.zeros(data[FIRM].num_nodes, device=device)
        f_mask = torch.zeros(data[FIRM].num_nodes, dtype=torch.bool, device=device)
        if pairs:
            fi = torch.tensor([p[0] for p in pairs], device=device)
            f_y[fi] = torch.tensor([float(p[1]) for p in pairs], device=device)
            f_mask[fi] = True

    model = CollusionGNN(data.metadata(), _edge_dims(data), cfg.hidden, cfg.layers, cfg.dropout).to(device)
    sampler = NeighborSampler(data, cfg.num_neighbors) if n_edges(data) > cfg.full_batch_max_edges else None
    known0 = torch.zeros(n_t, dtype=torch.bool)
    with torch.no_grad():  # materialize the lazy sizes before the optimizer sees the parameters
        _forward(model, graph, known0, y_all, cfg, torch.as_tensor(fit_idx[:2]), device, gen, sampler)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    bce = nn.BCEWithLogitsLoss(pos_weight=pos_weight)

    fit_t = torch.as_tensor(fit_idx)
    val_t = torch.as_tensor(val_idx)
    known_fit = torch.zeros(n_t, dtype=torch.bool)
    known_fit[fit_t] = True
    best = (float("inf"), -1)
    best_state: dict[str, Tensor] = {}
    history: list[dict[str, float]] = []
    for epoch in range(cfg.epochs):
        model.train()
        perm = fit_t[torch.randperm(fit_t.numel(), generator=gen)]
        if cfg.label_trick and perm.numel() >= 4:
            n_vis = int(perm.numel() * cfg.label_rate)
            visible, target = perm[:n_vis], perm[n_vis:]
        else:
            visible, target = perm[:0], perm
        known = torch.zeros(n_t, dtype=torch.bool)
        known[visible] = True
        out = _forward(model, graph, known, y_all, cfg, target, device, gen, sampler)
        loss = bce(out[TENDER], y_all[target].to(device))
        if f_y is not None and f_mask is not None and FIRM in out and bool(f_mask.any()):
            loss = loss + cfg.firm_loss_weight * nn.functional.binary_cross_entropy_with_logits(
                out[FIRM][f_mask], f_y[f_mask]
            )
        opt.zero_grad()
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            vo = _forward(model, graph, known_fit, y_all, cfg, val_t, device, gen, sampler)[TENDER]
            val_loss = float(nn.functional.binary_cross_entropy_with_logits(vo, y_all[val_t].to(device)))
        history.append({"epoch": epoch, "train_loss": loss.item(), "val_loss": val_loss})
        if val_loss < best[0] - 1e-4 or epoch < cfg.min_epochs:
            best = (val_loss, epoch)
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        elif epoch - best[1] >= cfg.patience:
            break
    model.load_state_dict(best_state)
    model.eval()
    with torch.no_grad():
        vo = _forward(model, graph, known_fit, y_all, cfg, val_t, device, gen, sampler)[TENDER]
    platt = _platt(vo, y_all[val_t])
    vy = y_all[val_t].numpy()
    has_val = val_idx is not fit_idx
    validation = (
        pd.Series(
            torch.sigmoid(platt[0] * vo.cpu() + platt[1]).numpy(),
            index=[graph.ids[TENDER][int(i)] for i in val_idx],
        )
        if has_val
        else None
    )
    metrics = {
        "best_epoch": best[1],
        "epochs_run": len(history),
        "val_loss": best[0],
        "val_auc": _auc(vy, vo.cpu().numpy()),
        "n_train": len(fit_idx),
        "n_val": len(val_idx) if has_val else 0,
        "pos_weight": float(pos_weight),
        "full_batch": sampler is None,
        "device": str(device),
    }
    log.info("trained: %s", metrics)
    known_labels = {str(k): int(v) for k, v in labels.items()}
    return Trained(
        model=model.cpu(),
        config=cfg,
        feature_schema=graph.feature_schema,
        edge_dims=_edge_dims(data),
        metadata=(list(data.metadata()[0]), [tuple(et) for et in data.metadata()[1]]),  # type: ignore[misc]
        platt=platt,
        metrics=metrics | {"history": history},
        data_version=graph.data_version,
        known_labels=known_labels,
        firm_head_trained=f_mask is not None and bool(f_mask.any()),
        validation=validation,
    )


# --- checkpoints -----------------------------------------------------------------------------------


def save_checkpoint(trained: Trained, directory: Path) -> Path:
    """Write model.pt (weights + everything to rebuild it) and a readable config.json next to it."""
    directory.mkdir(parents=True, exist_ok=True)
    meta = {
        "model_version": MODEL_VERSION,
        "config": trained.config.model_dump(),
        "feature_schema": trained.feature_schema,
        "edge_dims": [[list(et), d] for et, d in trained.edge_dims.items()],
        "metadata": [trained.metadata[0], [list(et) for et in trained.metadata[1]]],
        "platt": list(trained.platt),
        "metrics": {k: v for k, v in trained.metrics.items() if k != "history"},
        "data_version": trained.data_version,
        "firm_head_trained": trained.firm_head_trained,
        "saved_at": datetime.now(UTC).isoformat(),
    }
    path = directory / "model.pt"
    torch.save(
        {"meta": meta, "state_dict": trained.model.state_dict(), "known_labels": trained.known_labels}, path
    )
    (directory / "config.json").write_text(json.dumps(meta, indent=2, default=str))
    (directory / "history.json").write_text(json.dumps(trained.metrics.get("history", [])))
    return path


def load_checkpoint(path: Path) -> Trained:
    ckpt = torch.load(path if path.is_file() else path / "model.pt", map_location="cpu", weights_only=False)
    meta = ckpt["meta"]
    cfg = TrainConfig(**meta["config"])
    metadata = (meta["metadata"][0], [tuple(et) for et in meta["metadata"][1]])
    edge_dims = {tuple(et): int(d) for et, d in meta["edge_dims"]}
    model = CollusionGNN(metadata, edge_dims, cfg.hidden, cfg.layers, cfg.dropout)  # type: ignore[arg-type]
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return Trained(
        model=model,
        config=cfg,
        feature_schema=meta["feature_schema"],
        edge_dims=edge_dims,  # type: ignore[arg-type]
        metadata=metadata,  # type: ignore[arg-type]
        platt=(float(meta["platt"][0]), float(meta["platt"][1])),
        metrics=meta["metrics"],
        data_version=meta["data_version"],
        known_labels=ckpt["known_labels"],
        firm_head_trained=meta["firm_head_trained"],
    )
