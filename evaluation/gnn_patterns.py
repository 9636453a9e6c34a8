"""Per-pattern precision and recall of the GNN's findings on a synthetic world's planted cases.

`licitagraph evaluate --format synth` (evaluation/synthetic.py) maps each planted pattern to the rule
detectors meant for it and has no entry for `gnn`. The GNN is one detector for every collusion pattern
(`gnn.cli.COLLUSION_PATTERNS`), so here, with the same matching rule (`evaluation.synthetic.matches`: a
tender finding matches a case naming that tender, a supplier finding one naming that supplier):

- recall of a pattern = its cases matched by at least one GNN finding;
- precision = GNN findings that match a case of any collusion pattern / all GNN findings (the same for
  every pattern, as for a rule detector covering several patterns), also split by subject kind;
- near misses flagged = near misses of the pattern matched by a GNN finding (false alarms);
- tender ROC AUC of the GNN's scores against the world's collusion labels, when scores are given.

`python -m evaluation.gnn_patterns --truth WORLD/ground_truth.json --tables WORLD/tables [--checkpoint DIR]`
reads the world's findings table (`gnn` rows, e.g. from `python -m gnn.predict CHECKPOINT TABLES`)
and, with a checkpoint, also scores every tender for the AUC. A model trained on another world must be
used (`licitagraph train` on world A, evaluated on world B) so that no label of B reaches it.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from core.delta import read_pandas
from evaluation.synthetic import matches
from gnn.cli import COLLUSION_PATTERNS

log = logging.getLogger(__name__)

DETECTOR = "gnn"


def gnn_pattern_table(
    truth: dict[str, Any], findings: pd.DataFrame, tender_scores: pd.Series | None = None
) -> dict[str, Any]:
    """Rows per collusion pattern of the world, plus overall precision (see module doc)."""
    cases = [c for c in truth.get("cases") or [] if c.get("pattern") in COLLUSION_PATTERNS]
    near = [c for c in truth.get("near_misses") or [] if c.get("pattern") in COLLUSION_PATTERNS]
    f = findings[findings["detector"] == DETECTOR].reset_index(drop=True)
    hit = [[matches(row, c) for c in cases] for _, row in f.iterrows()]
    true_f = [any(h) for h in hit]
    by_kind: dict[str, dict[str, float | int | None]] = {}
    for kind in sorted(set(f["subject_kind"])) if len(f) else []:
        idx = [i for i in range(len(f)) if f.loc[i, "subject_kind"] == kind]
        tp = sum(true_f[i] for i in idx)
        by_kind[str(kind)] = {"findings": len(idx), "true": tp, "precision": tp / len(idx) if idx else None}
    precision = sum(true_f) / len(f) if len(f) else None
    patterns = [p for p in dict.fromkeys(c.get("pattern") for c in cases)]
    rows = []
    for pat in patterns:
        pcases = [j for j, c in enumerate(cases) if c.get("pattern") == pat]
        found = sum(any(hit[i][j] for i in range(len(f))) for j in pcases)
        n_match = sum(any(hit[i][j] for j in pcases) for i in range(len(f)))
        pnear = [c for c in near if c.get("pattern") == pat]
        flagged = sum(any(matches(row, c) for _, row in f.iterrows()) for c in pnear)
        rows.append(
            {
                "pattern": pat,
                "cases": len(pcases),
                "found": int(found),
                "recall": found / len(pcases) if pcases else 0.0,
                "findings_matching": int(n_match),
                "precision": precision,
                "near_misses": len(pnear),
                "near_misses_flagged": int(flagged),
                "tender_auc": _pattern_auc(tender_scores, [cases[j] for j in pcases], cases),
            }
        )
    out: dict[str, Any] = {
        "detector": DETECTOR,
        "patterns": rows,
        "n_findings": len(f),
        "precision": precision,
        "by_subject_kind": by_kind,
        "seed": truth.get("seed"),
    }
    if tender_scores is not None and len(tender_scores):
        from sklearn.metrics import average_precision_score, roc_auc_score

        pos = {t for c in cases for t in c.get("tender_ids") or []}
        y = tender_scores.index.map(lambda t: int(t in pos)).to_numpy()
        if 0 < y.sum() < len(y):
            out["tender_roc_auc"] = float(roc_auc_score(y, tender_scores.to_numpy()))
            out["tender_pr_auc"] = float(average_precision_score(y, tender_scores.to_numpy()))
            out["tender_positives"] = int(y.sum())
            out["tenders"] = len(y)
    return out


def _pattern_auc(
    scores: pd.Series | None, pcases: list[dict[str, Any]], cases: list[dict[str, Any]]
) -> float | None:
    """ROC AUC of the pattern's tenders against the tenders of no collusion case (None without scores)."""
    if scores is None or not len(scores):
        return None
    from sklearn.metrics import roc_auc_score

    pos = {t for c in pcases for t in c.get("tender_ids") or []} & set(scores.index)
    neg = set(scores.index) - {t for c in cases for t in c.get("tender_ids") or []}
    if not pos or not neg:
        return None
    ids = sorted(pos) + sorted(neg)
    return float(roc_auc_score([1] * len(pos) + [0] * len(neg), scores.loc[ids].to_numpy()))


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| pattern | cases | found | recall | GNN findings matching | precision (all GNN findings) "
        "| near misses flagged | tender AUC |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in result["patterns"]:
        prec = "-" if r["precision"] is None else f"{r['precision']:.2f}"
        auc = "-" if r.get("tender_auc") is None else f"{r['tender_auc']:.3f}"
        lines.append(
            f"| {r['pattern']} | {r['cases']} | {r['found']} | {r['recall']:.2f} | {r['findings_matching']} | "
            f"{prec} | {r['near_misses_flagged']}/{r['near_misses']} | {auc} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--truth", type=Path, required=True)
    ap.add_argument("--tables", type=Path, required=True)
    ap.add_argument("--checkpoint", type=Path, help="score every tender with it for the tender ROC AUC")
    ap.add_argument("--out", type=Path, help="write gnn_synth_metrics.json here")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    truth = json.loads(args.truth.read_text())
    findings = read_pandas(args.tables, "findings")
    scores = None
    if args.checkpoint:
        from gnn.data import TENDER, from_tables
        from gnn.predict import score
        from gnn.train import load_checkpoint

        trained = load_checkpoint(args.checkpoint)
        graph = from_tables(args.tables)
        scores = score(trained, graph)[TENDER]
    result = gnn_pattern_table(truth, findings, scores)
    print(markdown(result))
    print(json.dumps({k: v for k, v in result.items() if k != "patterns"}, indent=2))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "gnn_synth_metrics.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
