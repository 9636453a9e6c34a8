"""Learning curves from simulated investigator verdicts on every labelled García market.

    .venv/bin/python bench/learning_curves.py                        # the three markets, defaults below
    .venv/bin/python bench/learning_curves.py --verdicts 25,50,100,200 --repeats 3 --figure docs/img/learning-curves.png

Runs `licitagraph evaluate --simulate-verdicts` (evaluation/learning.py) on each García file of --data,
the cross-market model of each fitted on the other files, and prints one table (also written to
OUT/learning_curves.md): per market and checkpoint, the ROC AUC on the unreviewed tenders of the review
queue and of random reviews (mean and min-max over repeats), the weighted neighbour vote made from the
same verdicts, the cross-market model on the same unreviewed tenders, and how many collusive tenders the
verdicts found. --figure writes one panel per market with the in-market cross-validation reference
(the screens classifier on all labels, docs/evaluation.md) as a grey line.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# In-market reference: the screens classifier, 5 x 5-fold cross-validation over all labels
# (docs/evaluation.md, "Screens"), mean ROC AUC over the repeats.
CV_REFERENCE = {"Brazil": 0.909, "Italy": 0.924, "Switzerland Ticino": 0.904}


def market_name(path: Path) -> str:
    stem = path.stem.removeprefix("DB_Collusion_").removesuffix("_processed")
    return stem.replace("_", " ")


def _cell(row: Any, col: str) -> str:
    v = getattr(row, col)
    return "–" if v != v else f"{v:.3f}"


def _auc(row: Any) -> str:
    """ROC AUC with its min–max over repeats; a dash where no repeat left both classes unreviewed."""
    if _cell(row, "roc_auc") == "–":
        return "– (no collusive tender left)" if row.n_unreviewed_positive == 0 else "–"
    return f"{_cell(row, 'roc_auc')} ({_cell(row, 'roc_auc_min')}–{_cell(row, 'roc_auc_max')})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "collusion" / "garcia2022")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench" / "learning")
    parser.add_argument("--verdicts", default="25,50,100,200")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--mix", type=float, default=None, help="queue mix (default: the review_queue_mix setting)")
    parser.add_argument("--figure", type=Path, default=None, help="write the three-panel figure here")
    args = parser.parse_args()

    import pandas as pd

    from core.settings import get_settings
    from evaluation.learning import plot_curves, simulate_garcia_file

    mix = get_settings().review_queue_mix if args.mix is None else args.mix
    checkpoints = [int(v) for v in args.verdicts.split(",")]
    files = [
        p for p in sorted(args.data.glob("DB_Collusion_*_processed.csv")) if "_all_" not in p.name.lower()
    ]
    curves: dict[str, pd.DataFrame] = {}
    lines = [
        f"queue mix {mix}, {args.repeats} repeats per strategy (seeds 0-{args.repeats - 1}), "
        f"refit every {args.batch} verdicts",
        "",
        "| market | verdicts | queue ROC AUC (min–max) | random ROC AUC (min–max) | queue PR AUC | random PR AUC "
        "| neighbour vote, weighted: queue / random | cross-market on the same tenders: queue / random "
        "| collusive found: queue / random | collusive left: queue / random | wall |",
        "| --- | ---: | --- | --- | ---: | ---: | --- | --- | --- | --- | ---: |",
    ]
    for path in files:
        name = market_name(path)
        t0 = time.perf_counter()
        metrics = simulate_garcia_file(
            path, args.out / path.stem, checkpoints, mix=mix, batch=args.batch, repeats=args.repeats
        )
        wall = time.perf_counter() - t0
        curve = pd.read_csv(args.out / path.stem / "learning_curve.csv")
        curves[name] = curve
        none = curve[curve["strategy"] == "none"].iloc[0]
        train = ", ".join(market_name(Path(t)) for t in metrics["train"])
        lines.append(
            f"| {name} ({metrics['n_tenders']} tenders, {metrics['n_positive']} collusive; cross-market "
            f"from {train}) | 0 | {none.roc_auc:.3f} (none) | | {none.pr_auc:.3f} | | | | | | {wall:.0f} s |"
        )
        for v in metrics["checkpoints"]:
            q = next(curve[(curve["verdicts"] == v) & (curve["strategy"] == "queue")].itertuples())
            r = next(curve[(curve["verdicts"] == v) & (curve["strategy"] == "random")].itertuples())
            capped = [k for k, used in metrics["capped"].items() if used == v]
            label = f"{v} (cap for {', '.join(capped)})" if capped else str(v)
            lines.append(
                f"| | {label} | {_auc(q)} | {_auc(r)} "
                f"| {_cell(q, 'pr_auc')} | {_cell(r, 'pr_auc')} "
                f"| {_cell(q, 'weighted_vote_roc_auc')} / {_cell(r, 'weighted_vote_roc_auc')} "
                f"| {_cell(q, 'cross_market_roc_auc')} / {_cell(r, 'cross_market_roc_auc')} "
                f"| {q.hits:.1f} / {r.hits:.1f} | {q.n_unreviewed_positive:.1f} / {r.n_unreviewed_positive:.1f} | |"
            )
        print(f"{name}: done in {wall:.0f} s", flush=True)
    table = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "learning_curves.md").write_text(table + "\n")
    print(table)
    if args.figure:
        plot_curves(curves, args.figure, reference=CV_REFERENCE)
        print(f"figure: {args.figure}")


if __name__ == "__main__":
    main()
