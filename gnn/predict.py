"""Inference: GNN scores per tender and supplier as `core.domain.Finding`s with edge evidence.

Scores: a tender is never scored with its own label visible. Tenders without a known label are scored
with every known label as input; known tenders are scored in `n_splits` groups, each with its own group's
labels hidden (the label trick's inputs then match training, where targets never saw their own label).

Evidence: gradient saliency over edges. Every edge's message is multiplied by a weight fixed at 1; the
absolute gradient of the tender's logit with respect to that weight says how much the edge moved the
score. The strongest edges (and the nodes at their ends) are the finding's evidence, so an auditor can
open the same subgraph in Bloom.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from core import findings_io
from core.delta import resolve
from core.domain import Evidence, Finding, Measure, Subject, SubjectKind
from gnn.data import FIRM, TENDER, BidGraph
from gnn.train import MODEL_VERSION, Trained, _inputs, _with_labels, torch_threads

log = logging.getLogger(__name__)

DETECTOR = "gnn"


def default_known(trained: Trained, graph: BidGraph) -> dict[str, int]:
    """The labels to feed as inputs when none are given: the model's training labels, but only on the
    graph it was trained on. On another graph (another world, another data version) equal ids need not
    name the same tenders, so no label is carried over (the scores then rest on the graph alone)."""
    if trained.data_version and graph.data_version and trained.data_version != graph.data_version:
        if trained.known_labels:
            log.info(
                "graph %s is not the training graph %s: scoring without known labels",
                graph.data_version[:8],
                trained.data_version[:8],
            )
        return {}
    return dict(trained.known_labels)


def score(
    trained: Trained, graph: BidGraph, known: dict[str, int] | None = None, n_splits: int = 5
) -> dict[str, pd.Series]:
    """Calibrated scores for every tender (own label hidden) and, with a firm head, every firm."""
    known = default_known(trained, graph) if known is None else dict(known)
    known = {k: v for k, v in known.items() if k in graph.index[TENDER]}
    res = trained.predict(graph, known)
    if known and trained.config.label_trick:
        keys = np.array(sorted(known))
        groups = np.random.default_rng(trained.config.seed).integers(0, n_splits, len(keys))
        tender = res[TENDER].copy()
        for g in range(n_splits):
            hidden = set(keys[groups == g].tolist())
            if not hidden:
                continue
            part = trained.predict(graph, {k: v for k, v in known.items() if k not in hidden})[TENDER]
            tender.loc[list(hidden)] = part.loc[list(hidden)]
        res[TENDER] = tender
    return res


def edge_saliency(
    trained: Trained, graph: BidGraph, tender_ids: list[str], known: dict[str, int] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Per tender, every edge with a non-zero saliency: [{relation, src, dst, saliency}], strongest first."""
    known = default_known(trained, graph) if known is None else dict(known)
    with torch_threads(graph, trained.config.threads):
        return _edge_saliency(trained, graph, tender_ids, known)


def _edge_saliency(
    trained: Trained, graph: BidGraph, tender_ids: list[str], known: dict[str, int]
) -> dict[str, list[dict[str, Any]]]:
    model = trained.model.cpu().eval()
    data = graph.data
    x, ei, ea = _inputs(data, torch.device("cpu"))
    out: dict[str, list[dict[str, Any]]] = {}
    for tid in tender_ids:
        t = graph.index[TENDER][tid]
        vis = {k: v for k, v in known.items() if k != tid and k in graph.index[TENDER]}
        n = data[TENDER].num_nodes
        km = torch.zeros(n, dtype=torch.bool)
        y = torch.zeros(n)
        if vis and trained.config.label_trick:
            idx = graph.idx(TENDER, list(vis))
            km[idx] = True
            y[idx] = torch.tensor([float(v) for v in vis.values()])
        xx = dict(x)
        if trained.config.label_trick:
            xx[TENDER] = _with_labels(x[TENDER], km, y)
        weights = {et: torch.ones(e.size(1), requires_grad=True) for et, e in ei.items()}
        logit = model(xx, ei, ea, weights)[TENDER][t]
        grads = torch.autograd.grad(logit, list(weights.values()), allow_unused=True)
        rows: list[dict[str, Any]] = []
        for (et, e), g in zip(ei.items(), grads, strict=True):
            if g is None:
                continue
            nz = torch.nonzero(g.abs() > 1e-8).flatten()
            for j in nz.tolist():
                rows.append(
                    {
                        "relation": et[1],
                        "src": graph.ids[et[0]][int(e[0, j])],
                        "dst": graph.ids[et[2]][int(e[1, j])],
                        "saliency": float(g[j].abs()),
                    }
                )
        # an edge and its reverse are one fact: keep the stronger direction
        best: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows:
            key = tuple(sorted((r["src"], r["dst"])))
            if key not in best or r["saliency"] > best[key]["saliency"]:
                best[key] = r  # type: ignore[index]
        out[tid] = sorted(best.values(), key=lambda r: -r["saliency"])
    return out


def findings(
    trained: Trained,
    graph: BidGraph,
    run_id: str | None = None,
    min_score: float = 0.5,
    max_findings: int = 500,
    top_edges: int = 8,
) -> list[Finding]:
    """One Finding per tender (and supplier) scoring at least `min_score`, strongest first."""
    scores = score(trained, graph)
    tenders = scores[TENDER].sort_values(ascending=False)
    tenders = tenders[tenders >= min_score].head(max_findings)
    sal = edge_saliency(trained, graph, list(tenders.index))
    x_names = graph.feature_schema[TENDER]
    result: list[Finding] = []
    for tid, p in tenders.items():
        edges = sal.get(str(tid), [])[:top_edges]
        firms = [
            e["src"] if e["src"] != tid else e["dst"] for e in edges if e["relation"] in ("bids", "rev_bids")
        ]
        nodes = tuple(dict.fromkeys([str(tid), *[e["src"] for e in edges], *[e["dst"] for e in edges]]))
        firm_txt = ", ".join(list(dict.fromkeys(firms))[:3]) if firms else "nenhuma empresa"
        result.append(
            Finding(
                detector=DETECTOR,
                detector_version=MODEL_VERSION,
                subject=Subject(kind=SubjectKind.TENDER, id=str(tid)),
                score=float(np.clip(p, 0.0, 1.0)),
                title="Padrão de conluio na rede de lances (GNN)",
                evidence=Evidence(
                    summary=(
                        f"O modelo de grafo estima {p:.0%} de probabilidade de conluio nesta licitação; "
                        f"as ligações que mais pesaram envolvem {firm_txt}."
                    ),
                    measures=(
                        Measure(
                            name="gnn_probability",
                            value=round(float(p), 4),
                            threshold=min_score,
                            comparison=">=",
                        ),
                    ),
                    node_ids=nodes,
                    details={
                        "top_edges": edges,
                        "feature_schema": x_names,
                        "data_version": trained.data_version,
                    },
                ),
                run_id=run_id,
            )
        )
    result += _supplier_findings(trained, graph, scores, run_id, min_score, max_findings)
    return result


def _supplier_findings(
    trained: Trained,
    graph: BidGraph,
    scores: dict[str, pd.Series],
    run_id: str | None,
    min_score: float,
    max_findings: int,
) -> list[Finding]:
    """Supplier scores: the firm head where supplier labels trained it, else the mean of the firm's
    two highest tender scores (a firm in two suspicious tenders is more telling than in one)."""
    data = graph.data
    if (TENDER, "rev_bids", FIRM) not in data.edge_types:
        return []
    ei = data[TENDER, "rev_bids", FIRM].edge_index
    bid = pd.DataFrame(
        {
            "tender": [graph.ids[TENDER][i] for i in ei[0].tolist()],
            "firm": [graph.ids[FIRM][i] for i in ei[1].tolist()],
        }
    )
    bid["p"] = bid["tender"].map(scores[TENDER])
    top = bid.sort_values("p", ascending=False).groupby("firm").head(2)
    agg = top.groupby("firm")["p"].mean()
    by_firm = scores.get(FIRM, agg)
    by_firm = by_firm[~by_firm.index.astype(str).str.startswith("anon:")]
    by_firm = by_firm[by_firm >= min_score].sort_values(ascending=False).head(max_findings)
    tenders_of = top.groupby("firm")["tender"].apply(list)
    out = []
    for fid, p in by_firm.items():
        ts = tenders_of.get(fid, [])
        out.append(
            Finding(
                detector=DETECTOR,
                detector_version=MODEL_VERSION,
                subject=Subject(kind=SubjectKind.SUPPLIER, id=str(fid)),
                score=float(np.clip(p, 0.0, 1.0)),
                title="Fornecedor em rede de possível cartel (GNN)",
                evidence=Evidence(
                    summary=f"O modelo de grafo estima {p:.0%} de probabilidade de participação em cartel.",
                    measures=(
                        Measure(
                            name="gnn_probability",
                            value=round(float(p), 4),
                            threshold=min_score,
                            comparison=">=",
                        ),
                    ),
                    node_ids=(str(fid), *[str(t) for t in ts]),
                    details={"source": "firm_head" if FIRM in scores else "top2_tender_mean", "tenders": ts},
                ),
                run_id=run_id,
            )
        )
    return out


def write_findings(items: list[Finding], out_dir: Path, tables_version: int | None = None) -> Path:
    """Rows of the `findings` table in `<out_dir>/part-gnn.parquet`, encoded as detect encodes its own
    (core/findings_io.py), so both files of `<tables>/findings/` share one schema; `tables_version`: the run
    version of the graph tables scored (core/delta.py)."""
    if tables_version is not None:
        items = [f.model_copy(update={"tables_version": tables_version}) for f in items]
    return findings_io.write_findings(items, out_dir / "part-gnn.parquet")


def main(argv: list[str] | None = None) -> None:
    """`python -m gnn.predict CHECKPOINT TABLES [FINDINGS_DIR]`: score the tables and write findings."""
    import argparse

    from gnn.data import from_tables
    from gnn.train import load_checkpoint

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("checkpoint", type=Path)
    ap.add_argument("tables", type=Path)
    ap.add_argument("findings_dir", type=Path, nargs="?")
    ap.add_argument("--min-score", type=float, default=0.5)
    args = ap.parse_args(argv)
    trained = load_checkpoint(args.checkpoint)
    at = resolve(args.tables)
    graph = from_tables(args.tables)
    items = findings(trained, graph, min_score=args.min_score)
    path = write_findings(items, args.findings_dir or args.tables / "findings", at.version if at else None)
    log.info("%d findings written to %s", len(items), path)


if __name__ == "__main__":  # pragma: no cover
    main()
