"""CLI command of the evaluation harness: `licitagraph evaluate`. Heavy imports stay inside."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def evaluate(
    format: Annotated[str, typer.Option("--format", help="garcia | synth")],
    input: Annotated[
        list[Path],
        typer.Option(
            "--input",
            exists=True,
            dir_okay=False,
            readable=True,
            help="labelled input file (repeat it for --split market; the market to score with --train)",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="output folder")],
    model: Annotated[
        str, typer.Option("--model", help="screens | gnn | ensemble | neighbour | transfer")
    ] = "screens",
    repeats: Annotated[int, typer.Option("--repeats", help="cross-validation repeats (seeds 0..n-1)")] = 5,
    split: Annotated[
        str,
        typer.Option(
            "--split",
            help="tender | firm | time | cartel | market: how tenders are held out (docs/evaluation.md)",
        ),
    ] = "tender",
    train: Annotated[
        list[Path] | None,
        typer.Option(
            "--train",
            exists=True,
            dir_okay=False,
            readable=True,
            help="garcia: labelled market(s) to fit the cross-market model on; --input is then scored "
            "(with --simulate-verdicts: the starting model's markets; default the other García files beside --input)",
        ),
    ] = None,
    allow_firm_overlap: Annotated[
        bool,
        typer.Option(
            "--allow-firm-overlap",
            help="run a model that reads firm identity (gnn, ensemble, neighbour) under --split tender, "
            "where the same firms sit in training and test folds (its score is then optimistic)",
        ),
    ] = False,
    tables: Annotated[
        Path | None,
        typer.Option(
            "--tables", help="synth: tables folder holding findings/ (default: tables/ beside the input file)"
        ),
    ] = None,
    simulate_verdicts: Annotated[
        str | None,
        typer.Option(
            "--simulate-verdicts",
            help="garcia: simulate investigators instead of cross-validating; verdict counts, e.g. 25,50,100,200",
        ),
    ] = None,
    queue_mix: Annotated[
        float | None,
        typer.Option(
            "--queue-mix", min=0.0, max=1.0, help="simulation: review queue mix (default: review_queue_mix setting)"
        ),
    ] = None,
    verdict_batch: Annotated[
        int, typer.Option("--verdict-batch", min=1, help="simulation: verdicts between two refits")
    ] = 10,
    simulate_repeats: Annotated[
        int, typer.Option("--simulate-repeats", min=1, help="simulation: repeats per strategy (seeds 0..n-1)")
    ] = 3,
) -> None:
    """Measure detection quality on labelled data (held-out tenders, firms, periods, cartels or markets),
    score an unseen market with a model fitted on other markets (--train), or draw learning curves from
    simulated investigator verdicts (--simulate-verdicts)."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    console = Console()
    if simulate_verdicts is not None:
        if format != "garcia":
            raise typer.BadParameter("needs --format garcia", param_hint="--simulate-verdicts")
        if len(input) != 1:
            raise typer.BadParameter("simulates one --input market at a time", param_hint="--simulate-verdicts")
        _simulate(console, input[0], out, simulate_verdicts, queue_mix, train, verdict_batch, simulate_repeats)
        return
    if format == "garcia":
        from evaluation.classifiers import IDENTITY_MODELS, MODELS, ModelUnavailableError
        from evaluation.harness import EvaluationInputError, evaluate_inputs
        from evaluation.splits import SPLITS

        if train:
            _score_unseen_market(train, input, out)
            return
        problem = None
        if model not in MODELS:
            problem = f"--model must be one of {', '.join(sorted(MODELS))}, not {model!r}"
        elif split not in SPLITS:
            problem = f"--split must be one of {', '.join(SPLITS)}, not {split!r}"
        elif split == "tender" and model in IDENTITY_MODELS and not allow_firm_overlap:
            problem = (
                f"--model {model} reads firm identity and --split tender puts the same firms in training and "
                "test folds (a neighbour vote alone scores high there); use --split firm|time|cartel|market, "
                "or add --allow-firm-overlap to measure it anyway"
            )
        if problem:
            typer.secho(problem, err=True, fg="red")
            raise typer.Exit(2)
        names = ", ".join(p.name for p in input)
        try:
            with Progress(console=console) as progress:
                task = progress.add_task(f"{model} on {names} (--split {split})", total=repeats)
                metrics = evaluate_inputs(
                    list(input),
                    out,
                    model=model,
                    split=split,
                    n_repeats=repeats,
                    progress=lambda r: progress.update(task, completed=r),
                )
        except (EvaluationInputError, ModelUnavailableError) as exc:
            typer.secho(str(exc), err=True, fg="red")
            raise typer.Exit(2) from exc
        scored = metrics.get("n_scored", metrics["n_tenders"])
        t = Table(
            title=f"{names}: {model}, --split {split}, {metrics['n_tenders']} tenders "
            f"({metrics['n_positive']} collusive), {scored} scored"
        )
        for col in ("metric", "mean", "std", "min", "max"):
            t.add_column(col)
        for name, v in metrics["spread"].items():
            t.add_row(name, f"{v['mean']:.3f}", f"{v['std']:.3f}", f"{v['min']:.3f}", f"{v['max']:.3f}")
        console.print(t)
        if split != "tender":
            for row in metrics["per_repeat"][0]["folds"]:
                auc = "-" if row["roc_auc"] is None else f"{row['roc_auc']:.3f}"
                console.print(
                    f"fold {row['fold']} {row['name']}: train {row['train']}, test {row['test']} "
                    f"({row['test_collusive']} collusive), ROC AUC {auc}"
                )
        console.print(f"written: {out}/scores.csv, metrics.json, roc.png, pr.png, report.md")
    elif format == "synth":
        from evaluation.synthetic import SynthEvalError, evaluate_synth

        if len(input) != 1:
            typer.secho("--format synth takes one --input ground_truth.json", err=True, fg="red")
            raise typer.Exit(2)
        try:
            result = evaluate_synth(input[0], tables or input[0].parent / "tables", out)
        except SynthEvalError as exc:
            typer.secho(str(exc), err=True, fg="red")
            raise typer.Exit(2) from exc
        t = Table(title=f"planted cases in {input[0]}")
        for col in ("pattern", "cases", "found", "recall", "findings", "precision", "detectors"):
            t.add_column(col)
        for p in result["patterns"]:
            t.add_row(
                p["pattern"],
                str(p["cases"]),
                str(p["found"]),
                f"{p['recall']:.2f}",
                str(p["findings"]),
                "-" if p["precision"] is None else f"{p['precision']:.2f}",
                ", ".join(p["detectors"]),
            )
        console.print(t)
        console.print(f"written: {out}/synth_metrics.json")
    else:
        typer.secho(f"--format must be garcia or synth, not {format!r}", err=True, fg="red")
        raise typer.Exit(2)


def _score_unseen_market(train: list[Path], inputs: list[Path], out: Path) -> None:
    """`evaluate --format garcia --train A --train B --input C`: fit on A, B only; score every tender of C."""
    from evaluation.harness import EvaluationInputError
    from evaluation.transfer import score_market

    if len(inputs) != 1:
        typer.secho("--train scores exactly one --input market", err=True, fg="red")
        raise typer.Exit(2)
    try:
        metrics = score_market(train, inputs[0], out)
    except EvaluationInputError as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(2) from exc
    auc = metrics.get("roc_auc")
    typer.echo(
        f"{inputs[0].name}: {metrics['n_scored']} tenders with {metrics['min_bids_per_tender']}+ bids scored by "
        f"{metrics['model']['candidate']} fitted on {', '.join(metrics['model']['training_markets'])}"
        + ("" if auc is None else f"; ROC AUC {auc:.3f}")
    )
    typer.echo(f"written: {out}/scores.csv, metrics.json")


def _simulate(
    console: Any,
    input: Path,
    out: Path,
    counts: str,
    mix: float | None,
    train: list[Path] | None,
    batch: int,
    repeats: int,
) -> None:
    """`evaluate --simulate-verdicts`: learning curves of the review queue, random reviews and the
    cross-market model alone (evaluation/learning.py)."""
    from rich.progress import Progress
    from rich.table import Table

    try:
        checkpoints = [int(v) for v in counts.split(",") if v.strip()]
    except ValueError:
        checkpoints = []
    if not checkpoints or min(checkpoints) < 1:
        raise typer.BadParameter(
            f"expected positive verdict counts separated by commas, not {counts!r}", param_hint="--simulate-verdicts"
        )
    if mix is None:
        from core.settings import get_settings

        mix = get_settings().review_queue_mix
    from evaluation.learning import SimulationInputError, simulate_garcia_file

    try:
        with Progress(console=console) as progress:
            task = progress.add_task(f"simulated verdicts on {input.name}", total=2 * repeats)
            metrics = simulate_garcia_file(
                input,
                out,
                checkpoints,
                train=train,
                mix=mix,
                batch=batch,
                repeats=repeats,
                progress=lambda n: progress.update(task, completed=n),
            )
    except SimulationInputError as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(2) from exc
    import pandas as pd

    curve = pd.read_csv(out / "learning_curve.csv")
    t = Table(
        title=f"{input.name}: {metrics['n_tenders']} tenders ({metrics['n_positive']} collusive), "
        f"cross-market model from {', '.join(metrics['train'])}; queue mix {mix}"
    )
    for col in ("verdicts", "strategy", "ROC AUC (min-max)", "PR AUC", "neighbour vote ROC AUC", "collusive found"):
        t.add_column(col)
    for r in curve.itertuples(index=False):
        t.add_row(
            str(r.verdicts),
            str(r.strategy),
            f"{r.roc_auc:.3f} ({r.roc_auc_min:.3f}-{r.roc_auc_max:.3f})",
            f"{r.pr_auc:.3f}",
            f"{r.neighbour_vote_roc_auc:.3f}",
            f"{r.hits:.1f}",
        )
    console.print(t)
    if metrics["capped"]:
        console.print(
            f"capped: {metrics['capped']} (at least {metrics['min_unreviewed']} tenders are left unreviewed)"
        )
    console.print(f"written: {out}/learning_curve.csv, learning_curve_runs.csv, learning_metrics.json, learning_curve.png")
