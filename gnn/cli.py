"""CLI command of the GNN: `licitagraph train` (torch is imported inside the function)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

# Planted patterns that are collusion (a tender in one is a positive); the others (overpricing,
# fracionamento, short deadlines...) are irregularities the screens and rules detect, not cartels.
COLLUSION_PATTERNS = frozenset(
    {"bid_rotation", "cover_bidding", "shared_partner", "shared_address", "shared_phone", "shared_email"}
)


def _collect_ids(obj: Any, prefix: str, acc: set[str]) -> None:
    if isinstance(obj, str):
        if obj.startswith(prefix):
            acc.add(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            _collect_ids(v, prefix, acc)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _collect_ids(v, prefix, acc)


def labels_from_ground_truth(path: Path, tender_ids: list[str], firm_ids: list[str]) -> tuple[Any, Any]:
    """Tender and supplier labels from a synthetic world's ground_truth.json.

    Every tender/supplier of a collusion case (see COLLUSION_PATTERNS; its `tender_ids` and
    `supplier_ids`, or any id inside the case when those keys are absent) is a positive; near misses
    are honest, and every other tender/supplier of the graph is a negative (the synthetic world is honest
    outside its planted cases).
    """
    import pandas as pd

    gt = json.loads(path.read_text())
    cases = gt.get("cases") or gt.get("planted") or gt.get("planted_cases") or []
    pos_t: set[str] = set()
    pos_f: set[str] = set()
    for case in cases:
        if str(case.get("pattern", "")) not in COLLUSION_PATTERNS:
            continue
        # the explicit id lists name the involved nodes; `details` may list honest co-bidders too
        _collect_ids(case.get("tender_ids", case), "tender:", pos_t)
        _collect_ids(case.get("supplier_ids", case), "supplier:", pos_f)
    tl = pd.Series([int(t in pos_t) for t in tender_ids], index=tender_ids, dtype=int)
    fl = pd.Series([int(f in pos_f) for f in firm_ids], index=firm_ids, dtype=int)
    return tl, fl


def train(
    tables: Annotated[Path, typer.Option("--tables", exists=True, file_okay=False, help="graph tables folder (etl output)")],
    ground_truth: Annotated[
        Path | None,
        typer.Option(
            "--ground-truth", exists=True, dir_okay=False, help="ground_truth.json of a synthetic world (default: look next to the tables)"
        ),
    ] = None,
    epochs: Annotated[int, typer.Option("--epochs")] = 200,
    hidden: Annotated[int, typer.Option("--hidden")] = 64,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Annotated[str, typer.Option("--device", help="auto | cpu | cuda")] = "auto",
    out: Annotated[
        Path | None, typer.Option("--out", help="checkpoint folder (default: <models_dir>/gnn/<run>)")
    ] = None,
    findings: Annotated[
        bool, typer.Option("--findings/--no-findings", help="write GNN findings to <tables>/findings")
    ] = True,
    min_score: Annotated[float, typer.Option("--min-score")] = 0.5,
    score_tables: Annotated[
        Path | None,
        typer.Option("--score-tables", exists=True, file_okay=False,
                     help="write the findings for these tables (a world the model never saw) instead of the training tables"),
    ] = None,
) -> None:
    """Train the graph neural network on the graph tables and save a checkpoint (and its findings)."""
    from datetime import UTC, datetime

    from rich.console import Console

    from core.delta import resolve
    from core.settings import get_settings
    from gnn.data import FIRM, TENDER, from_tables
    from gnn.predict import findings as make_findings
    from gnn.predict import write_findings
    from gnn.train import TrainConfig, fit, save_checkpoint

    console = Console()
    if device not in ("auto", "cpu", "cuda"):
        raise typer.BadParameter("--device must be auto, cpu or cuda")
    gt = ground_truth
    if gt is None:
        for cand in (
            tables / "ground_truth.json",
            tables.parent / "ground_truth.json",
            tables.parent / "sources" / "ground_truth.json",
        ):
            if cand.exists():
                gt = cand
                break
    if gt is None or not gt.exists():
        typer.secho("no ground_truth.json found: pass --ground-truth FILE", err=True, fg="red")
        raise typer.Exit(2)
    at = resolve(tables)  # the run version of the tables read (their findings record it)
    with console.status("building the graph"):
        graph = from_tables(tables)
    t_lab, f_lab = labels_from_ground_truth(gt, graph.ids[TENDER], graph.ids.get(FIRM, []))
    if t_lab.nunique() < 2:
        typer.secho(
            f"labels have a single class ({int(t_lab.sum())} positives): nothing to learn", err=True, fg="red"
        )
        raise typer.Exit(2)
    cfg = TrainConfig(epochs=epochs, hidden=hidden, seed=seed, device=device)
    with console.status(f"training on {len(t_lab)} tenders ({int(t_lab.sum())} collusive)"):
        trained = fit(graph, t_lab, cfg, firm_labels=f_lab)
    run = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + graph.data_version[:8]
    ckpt_dir = out or get_settings().models_dir / "gnn" / run
    path = save_checkpoint(trained, ckpt_dir)
    console.print(f"checkpoint: {path}")
    m = trained.metrics
    console.print(
        f"nodes { ({k: len(v) for k, v in graph.ids.items()}) }; best epoch {m['best_epoch']}/{m['epochs_run']}, "
        f"val loss {m['val_loss']:.4f}, val AUC {m['val_auc']:.3f}, device {m['device']}"
    )
    if findings:
        target, scored, target_at = tables, graph, at
        if score_tables is not None:
            target_at = resolve(score_tables)
            with console.status(f"building the graph of {score_tables}"):
                scored = from_tables(score_tables)
            if scored.feature_schema != graph.feature_schema:
                typer.secho(f"{score_tables} has other features than the training tables: cannot score it",
                            err=True, fg="red")
                raise typer.Exit(2)
            target = score_tables
        with console.status("scoring and explaining"):
            items = make_findings(trained, scored, run_id=run, min_score=min_score)
        fpath = write_findings(items, target / "findings", target_at.version if target_at is not None else None)
        console.print(f"{len(items)} GNN findings on {target}: {fpath}")
