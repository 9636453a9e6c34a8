"""ROC AUC of the GNN (and of a screens random forest, and their average) on the García datasets.

5-fold cross-validation grouped by tender (one row per tender, so StratifiedKFold on tenders), tenders
with 3+ bids, repeated with fixed seeds. Prints a table and writes it to docs/gnn_eval.md unless --no-write.
Usage: .venv/bin/python bench/gnn_eval.py [--repeats 3] [--datasets Brazil Italy Switzerland_Ticino]
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

GARCIA = Path(__file__).resolve().parents[2] / "shared" / "data" / "collusion" / "garcia2022"
SCREENS = ["CV", "SPD", "DIFFP", "RD", "KURT", "SKEW", "KSTEST"]


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    d = pd.read_csv(GARCIA / f"DB_Collusion_{name}_processed.csv")
    firm = (
        d["Competitors"].astype("Int64").astype(str).where(d["Competitors"].notna(), None)
        if "Competitors" in d
        else None
    )
    bids = pd.DataFrame(
        {
            "tender": d["Tender"].astype(str),
            "firm": firm,
            "bid": d["Bid_value"].astype(float),
            "winner": d["Winner"].fillna(0).astype(bool),
            "label": d["Collusive_competitor"].fillna(0).astype(int),
        }
    )
    n = bids.groupby("tender").size()
    keep = n.index[n >= 3]
    bids = bids[bids["tender"].isin(keep)].reset_index(drop=True)
    d = d[d["Tender"].astype(str).isin(keep)]
    tenders = (
        d.assign(tender=d["Tender"].astype(str))
        .groupby("tender")
        .agg({**{s: "first" for s in SCREENS}, "Number_bids": "first", "Collusive_competitor": "max"})
    )
    return bids, tenders


def screens_rf(tenders: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series:
    from sklearn.ensemble import RandomForestClassifier

    x = tenders[[*SCREENS, "Number_bids"]].fillna(0).to_numpy()
    y = tenders["Collusive_competitor"].astype(int).to_numpy()
    out = pd.Series(0.0, index=tenders.index)
    for k in sorted(folds.unique()):
        tr = (folds != k).to_numpy()
        rf = RandomForestClassifier(n_estimators=300, random_state=seed, n_jobs=1).fit(x[tr], y[tr])
        out[~tr] = rf.predict_proba(x[~tr])[:, 1]
    return out


def main() -> None:
    import sys

    # bench/gnn.py would shadow the `gnn` package: keep this folder off the path
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.path.insert(0, str(here.parent))
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    from evaluation.gnn_oof import oof_scores

    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--datasets", nargs="+", default=["Brazil", "Italy", "Switzerland_Ticino"])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "gnn_eval.md")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--harness-screens",
        action="store_true",
        help="compare with evaluation.classifiers.screens_oof_scores (the harness's screens classifier) instead of the RF",
    )
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.WARNING)
    rows = []
    for name in args.datasets:
        bids, tenders = load(name)
        y = tenders["Collusive_competitor"].astype(int)
        res: dict[str, list[float]] = {"gnn": [], "screens_rf": [], "mean": []}
        t0 = time.time()
        for r in range(args.repeats):
            skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=r)
            folds = pd.Series(0, index=tenders.index)
            for k, (_, te) in enumerate(skf.split(tenders, y)):
                folds.iloc[te] = k
            g = oof_scores(bids, folds, seed=r).reindex(tenders.index)
            if args.harness_screens:
                from evaluation.classifiers import screens_oof_scores

                s = screens_oof_scores(bids, folds, r).reindex(tenders.index)
            else:
                s = screens_rf(tenders, folds, seed=r)
            res["gnn"].append(roc_auc_score(y, g))
            res["screens_rf"].append(roc_auc_score(y, s))
            res["mean"].append(roc_auc_score(y, (g.rank(pct=True) + s.rank(pct=True)) / 2))
            print(name, r, {k: round(v[-1], 3) for k, v in res.items()}, flush=True)
        rows.append(
            {
                "dataset": name,
                "tenders": len(tenders),
                "collusive": int(y.sum()),
                **{f"{k}_auc": f"{np.mean(v):.3f} ± {np.std(v):.3f}" for k, v in res.items()},
                "seconds": round(time.time() - t0, 1),
            }
        )
    df = pd.DataFrame(rows)
    table = "\n".join(
        ["| " + " | ".join(df.columns) + " |", "|" + " --- |" * len(df.columns)]
        + ["| " + " | ".join(str(v) for v in r) + " |" for r in df.itertuples(index=False)]
    )
    print(table)
    if not args.no_write:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
