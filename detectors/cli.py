"""CLI commands of the detectors: `licitagraph detect` and `licitagraph evaluate`.

Heavy imports (pandas, scikit-learn, Spark) happen inside the functions so `licitagraph --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def detect(
    tables: Annotated[
        Path, typer.Option("--tables", help="graph tables folder (core/tables.py layout)")
    ] = Path("var/data/tables"),
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="graph engine: networkx | graphframes | gds (Neo4j Graph Data Science); "
            "default: the detect_engine setting (LICITAGRAPH_DETECT_ENGINE, networkx)",
        ),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="run only these detector codes (repeatable)")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="JSON file {detector code: {option: value}}")
    ] = None,
    run_id: Annotated[str | None, typer.Option("--run-id", help="run id stored with the findings")] = None,
    neo4j: Annotated[
        bool, typer.Option("--neo4j/--no-neo4j", help="also write findings into Neo4j (graph.findings)")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="read the graph tables as of an ETL run version (3) or a date (2026-03-31, end of that day UTC) "
            "and write findings and risk to <tables>/as-of/v<N>/ (docs/graph-tables.md#versions)",
        ),
    ] = None,
    fixture: Annotated[
        Path | None,
        typer.Option(
            "--fixture",
            help="run ONE detector (--only CODE, default: the file's name) on a JSON-lines fixture "
            "(detectors/fixture.py) and print its findings as JSON lines; writes nothing",
        ),
    ] = None,
) -> None:
    """Run every detector, score risk and write findings."""
    configs = read_config(config, only or ([fixture.stem] if fixture is not None else None))
    if fixture is not None:
        _detect_fixture(fixture, only, configs)
        return

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from detectors.run import DetectError, run_detectors

    console = Console()
    if as_of is not None and neo4j:
        typer.secho("--as-of writes an old version's findings apart; they do not go to Neo4j (drop --neo4j)",
                    err=True, fg="red")
        raise typer.Exit(2)
    engine = check_engine(engine)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("detectors", total=None)

        def on_step(name: str, done: int, total: int) -> None:
            progress.update(task, description=f"detector {name}", completed=done, total=total)

        try:
            result = run_detectors(
                tables, engine=engine, only=only, configs=configs, run_id=run_id, on_step=on_step, as_of=as_of
            )
        except DetectError as exc:
            typer.secho(str(exc), err=True, fg="red")
            raise typer.Exit(2) from exc
    version = result.findings[0].tables_version if result.findings else None
    summary = Table(title=f"detect run {result.run_id}" + (f" on tables version {version}" if version else ""))
    for col in ("detector", "version", "findings", "max score", "seconds", "note"):
        summary.add_column(col)
    for row in result.summary:
        summary.add_row(
            row["detector"],
            row["version"],
            str(row["findings"]),
            f"{row['max_score']:.2f}" if row["findings"] else "-",
            f"{row['seconds']:.2f}",
            row.get("note", ""),
        )
    console.print(summary)
    console.print(
        f"findings: {result.findings_path}  risk: {result.risk_path}  ({result.n_risk} subjects scored)"
    )
    if neo4j:
        try:
            from graph.findings import write_findings
        except ImportError as exc:
            typer.secho(
                f"--neo4j needs graph.findings.write_findings(tables_dir), which is not available ({exc}); "
                "findings and risk are in Parquet only",
                err=True,
                fg="yellow",
            )
            raise typer.Exit(3) from exc
        counts = write_findings(tables)
        console.print(f"findings written to Neo4j: {counts}")


def check_engine(engine: str | None) -> str:
    """The engine's name (the setting when not given), checked before any work: a usage error for an unknown
    name, and for gds a one-line error when Neo4j does not answer or has no Graph Data Science library."""
    from core.settings import get_settings
    from detectors.graph_engines import ENGINES

    name = engine or get_settings().detect_engine
    if name not in ENGINES:
        typer.secho(f"--engine must be one of {', '.join(ENGINES)}, not {name!r}", err=True, fg="red")
        raise typer.Exit(2)
    if name == "gds":
        from detectors.gds_engine import GdsEngine, GdsUnavailable

        gds = GdsEngine()
        try:
            gds.check()
        except GdsUnavailable as exc:
            typer.secho(str(exc), err=True, fg="red")
            raise typer.Exit(2) from exc
        finally:
            gds.close()
    return name


def read_config(path: Path | None, only: list[str] | None) -> dict[str, dict[str, object]]:
    """The --config file: a JSON object {detector code: {option: value}} whose codes and options the
    detectors know. Anything else is a usage error (one line, exit 2) before any work starts."""
    import json

    from detectors.run import DetectError, check_configs

    if path is None:
        return {}
    try:
        configs = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise typer.BadParameter(f"{path} does not exist", param_hint="--config") from None
    except IsADirectoryError:
        raise typer.BadParameter(f"{path} is a folder, not a JSON file", param_hint="--config") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"{path} cannot be read: {exc}", param_hint="--config") from None
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"{path} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                                 param_hint="--config") from None
    if not isinstance(configs, dict):
        raise typer.BadParameter(f"{path} must hold a JSON object {{detector code: {{option: value}}}}, "
                                 f"not a {type(configs).__name__}", param_hint="--config")
    try:
        check_configs(configs, only)
    except DetectError as exc:
        raise typer.BadParameter(f"{path}: {exc}", param_hint="--config") from None
    return configs


def _detect_fixture(path: Path, only: list[str] | None, configs: dict[str, dict[str, object]]) -> None:
    import sys

    from detectors.fixture import FixtureError, dumps, run_fixture

    codes = only or [path.stem]
    if len(codes) != 1:
        typer.secho("--fixture runs one detector: give a single --only CODE", err=True, fg="red")
        raise typer.Exit(2)
    if not path.exists():
        typer.secho(f"fixture {path} does not exist", err=True, fg="red")
        raise typer.Exit(2)
    try:
        rows = run_fixture(path, codes[0], configs.get(codes[0]))
    except (FixtureError, KeyError, ValueError) as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(2) from exc
    sys.stdout.write(dumps(rows))


def train_screens(
    train: Annotated[
        list[Path] | None,
        typer.Option("--train", exists=True, dir_okay=False, readable=True, help="a labelled García-layout market"),
    ] = None,
    garcia_dir: Annotated[
        Path | None,
        typer.Option(
            "--garcia-dir",
            exists=True,
            file_okay=False,
            help="take every DB_Collusion_<market>_processed.csv in this folder (the pooled 'All' file excepted)",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="model file (default: <var>/models/screens_model.joblib)")
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Fit the cross-market screens model on labelled markets and write the model file `screens_model` reads."""
    from core.labelled import LabelledInputError
    from detectors.cross_market import CrossMarketError, fit_cross_market
    from detectors.screens_model import default_model_path

    files = list(train or [])
    if garcia_dir is not None:
        files += sorted(p for p in garcia_dir.glob("DB_Collusion_*_processed.csv") if "_All_" not in p.name)
    if not files:
        typer.secho("give --train FILE (repeatable) or --garcia-dir DIR", err=True, fg="red")
        raise typer.Exit(2)
    try:
        model = fit_cross_market(files, seed=seed)
    except (CrossMarketError, LabelledInputError) as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(2) from exc
    path = model.save(out or default_model_path())
    d = model.describe()
    typer.echo(
        f"screens model {d['version']} ({d['candidate']}, {len(d['features'])} features) fitted on "
        + ", ".join(f"{k} ({v['tenders']} tenders, {v['collusive']} collusive)" for k, v in d["training_markets"].items())
    )
    typer.echo(f"written: {path}")
