"""CLI commands of the pipeline: `licitagraph worker` and `beat` (its Celery processes) and `train`, which
trains the GNN (gnn/cli.py) or, with --verdicts, learns from the investigators' verdicts (pipeline/learn.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def worker(
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, help="worker processes")] = 1,
    pool: Annotated[str, typer.Option("--pool", help="prefork | solo | threads")] = "prefork",
    loglevel: Annotated[str, typer.Option("--loglevel", help="DEBUG | INFO | WARNING")] = "INFO",
    hostname: Annotated[str | None, typer.Option("--hostname", "-n", help="worker node name")] = None,
) -> None:
    """Run a Celery worker for the pipeline and alert tasks."""
    from pipeline.celery_app import make_celery

    app = make_celery()
    argv = ["worker", f"--concurrency={concurrency}", f"--pool={pool}", f"--loglevel={loglevel}",
            "--without-gossip", "--without-mingle"]
    if hostname:
        argv.append(f"--hostname={hostname}")
    app.worker_main(argv=argv)


def beat(
    loglevel: Annotated[str, typer.Option("--loglevel", help="DEBUG | INFO | WARNING")] = "INFO",
) -> None:
    """Run Celery beat, which schedules the pipeline (daily at LICITAGRAPH_PIPELINE_SCHEDULE_HOUR:MINUTE)."""
    from core.settings import get_settings
    from pipeline.celery_app import make_celery

    s = get_settings()
    (s.var_dir / "run").mkdir(parents=True, exist_ok=True)
    app = make_celery(s)
    app.Beat(loglevel=loglevel, schedule=str(s.var_dir / "run" / "celerybeat-schedule")).run()


def train(
    tables: Annotated[Path, typer.Option("--tables", exists=True, file_okay=False, help="graph tables folder (etl output)")],
    verdicts: Annotated[
        bool,
        typer.Option(
            "--verdicts",
            help="learn from the investigators' verdicts in Neo4j instead: export them as labels to "
            "<tables>/verdicts and refit the risk weights (docs/verdicts.md); the GNN options are ignored",
        ),
    ] = False,
    ground_truth: Annotated[
        Path | None,
        typer.Option("--ground-truth", exists=True, dir_okay=False,
                     help="ground_truth.json of a synthetic world (default: look next to the tables)"),
    ] = None,
    epochs: Annotated[int, typer.Option("--epochs")] = 200,
    hidden: Annotated[int, typer.Option("--hidden")] = 64,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Annotated[str, typer.Option("--device", help="auto | cpu | cuda")] = "auto",
    out: Annotated[Path | None, typer.Option("--out", help="checkpoint folder (default: <models_dir>/gnn/<run>)")] = None,
    findings: Annotated[bool, typer.Option("--findings/--no-findings", help="write GNN findings to <tables>/findings")] = True,
    min_score: Annotated[float, typer.Option("--min-score")] = 0.5,
    score_tables: Annotated[
        Path | None,
        typer.Option("--score-tables", exists=True, file_okay=False,
                     help="write the GNN findings for these tables (a world the model never saw) instead of the training tables"),
    ] = None,
) -> None:
    """Train the graph neural network on the graph tables (or, with --verdicts, learn from verdicts)."""
    if not verdicts:
        from gnn.cli import train as train_gnn

        train_gnn(tables=tables, ground_truth=ground_truth, epochs=epochs, hidden=hidden, seed=seed,
                  device=device, out=out, findings=findings, min_score=min_score, score_tables=score_tables)
        return
    from rich.console import Console

    from core.settings import get_settings
    from pipeline.learn import train_from_verdicts

    res = train_from_verdicts(get_settings(), tables)
    console = Console()
    console.print(f"verdicts: {res.n_verdicts} reviewed findings; labelled {res.n_tenders} tenders and "
                  f"{res.n_firms} firms")
    cv = f" (cross-validated log loss: prior {res.cv_log_loss['prior']}, fitted {res.cv_log_loss['fitted']})" \
        if res.cv_log_loss else ""
    console.print(f"risk weights: {res.weights_source}: {res.note}{cv}")
    console.print(f"screens model: {res.screens_model}")
    console.print(f"written: {res.weights_path} and {tables / 'verdicts'}; the next `licitagraph detect` uses them")
