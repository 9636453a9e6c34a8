"""CLI commands of the graph: `licitagraph graph init`, `licitagraph load`, and the findings' verdicts
(`licitagraph verdict`, `licitagraph verdicts export`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

graph_app = typer.Typer(help="Neo4j graph schema and maintenance.", no_args_is_help=True)
verdicts_app = typer.Typer(help="Investigators' verdicts on findings (docs/verdicts.md).", no_args_is_help=True)


@graph_app.command("init")
def init() -> None:
    """Create constraints and indexes (idempotent)."""
    from graph.connection import Neo4jAuthFailed, Neo4jUnavailable
    from graph.loader import init_schema
    from graph.runner import Neo4jRunner

    try:
        with Neo4jRunner() as runner:
            n = init_schema(runner)
    except (Neo4jUnavailable, Neo4jAuthFailed) as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(1) from exc
    typer.echo(f"schema ready: {n} constraints and indexes (created if missing)")


def load(
    tables: Annotated[Path, typer.Option("--tables", exists=True, file_okay=False, help="folder with the graph tables")],
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="rows per transaction")] = 5000,
    full: Annotated[bool, typer.Option("--full", help="ignore checkpoints: merge every file again")] = False,
    reconcile: Annotated[bool, typer.Option("--reconcile/--no-reconcile", help="compare counts at the end")] = True,
    findings: Annotated[
        bool, typer.Option("--findings/--no-findings", help="also load <tables>/findings and <tables>/risk")
    ] = True,
    method: Annotated[str, typer.Option(
        "--method", help="auto: neo4j-admin import for a large first load into an empty, locally managed "
        "database, else the driver; driver: batched UNWIND/MERGE transactions; admin: neo4j-admin import "
        "(empty, local database only)")] = "auto",
) -> None:
    """Load graph tables into Neo4j, idempotently, and reconcile counts."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from graph.connection import Neo4jAuthFailed, Neo4jUnavailable
    from graph.findings import write_findings_with
    from graph.loader import Loader, count_rows, init_schema
    from graph.reconcile import reconcile as run_reconcile
    from graph.runner import Neo4jRunner

    console = Console()
    if not tables.is_dir():
        typer.secho(f"no graph tables at {tables}", err=True, fg="red")
        raise typer.Exit(2)
    totals = count_rows(tables)
    if not totals:
        typer.secho(f"{tables} holds no graph tables (nodes/<Label>/, rels/<TYPE>/)", err=True,
                    fg="red")
        raise typer.Exit(2)
    from core.settings import get_settings
    from graph.first_load import METHODS, admin_load, choose

    if method not in METHODS:
        typer.secho(f"--method must be one of {', '.join(METHODS)}", err=True, fg="red")
        raise typer.Exit(2)
    try:
        decision = choose(get_settings(), tables, method)
    except (Neo4jUnavailable, Neo4jAuthFailed) as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(1) from exc
    except RuntimeError as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(2) from exc
    console.print(f"load path: {decision.method} ({'; '.join(decision.reasons)})")
    admin_report = None
    if decision.method == "admin":
        admin_report = admin_load(get_settings(), tables)
    try:
        with Neo4jRunner() as runner:
            # unique ids first (MERGE needs them); the other indexes after the data, populated in bulk
            init_schema(runner, "constraints")
            with Progress(TextColumn("{task.description:12}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, transient=True) as progress:
                tasks = {name: progress.add_task(name, total=n) for name, n in totals.items()}
                report = admin_report or Loader(runner, batch_size=batch_size, full=full,
                                                progress=lambda t, n: progress.advance(tasks[t], n)).load(tables)
            init_schema(runner, "indexes")
            n_nodes, n_rels = report.rows("node"), report.rows("rel")
            secs = max(report.seconds, 1e-9)
            console.print(f"loaded {n_nodes:,} node rows and {n_rels:,} relationship rows in {report.seconds:.1f}s "
                          f"({n_nodes / secs:,.0f} nodes/s, {n_rels / secs:,.0f} rels/s); "
                          f"skipped {sum(t.batches_skipped for t in report.tables)} checkpointed batches and "
                          f"{sum(t.files_skipped for t in report.tables)} unchanged files")
            if findings and ((tables / "findings").is_dir() or (tables / "risk").is_dir()):
                counts = write_findings_with(runner, tables)
                console.print("findings: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
            if not reconcile:
                return
            rec = run_reconcile(runner, tables, findings=findings)
    except (Neo4jUnavailable, Neo4jAuthFailed) as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(1) from exc
    t = Table(title="reconciliation: graph tables vs Neo4j")
    for col in ("table", "kind", "rows", "distinct", "in Neo4j (these ids)", "in Neo4j (all)", "ok"):
        t.add_column(col, justify="left" if col in ("table", "kind") else "right")
    for r in rec:
        t.add_row(r.name, r.kind, f"{r.rows:,}", f"{r.distinct:,}", f"{r.found:,}", f"{r.in_db:,}",
                  "[green]yes[/]" if r.ok else "[red]NO[/]")
    console.print(t)
    bad = [r.name for r in rec if not r.ok]
    if bad:
        typer.secho(f"reconciliation failed for {', '.join(bad)}", err=True, fg="red")
        raise typer.Exit(3)


@graph_app.command("bloom")
def bloom(
    check: Annotated[bool, typer.Option("--check", help="only check that the committed file is up to date and "
                                                        "has the structure of a Bloom 2.x export")] = False,
) -> None:
    """Write cypher/bloom/perspective.json (the investigators' Bloom perspective) from the graph model and
    the cypher/bloom phrase files; import it in Bloom or Aura Explore (docs/bloom.md)."""
    import json

    from graph.bloom import PERSPECTIVE_PATH, cypher_schema_problems, render, structure_problems

    text = render()
    perspective = json.loads(text)
    problems = structure_problems(perspective)
    for t in perspective["templates"]:
        problems += [f"{t['id']}: {p}" for p in cypher_schema_problems(t["cypher"])]
    for p in problems:
        typer.secho(p, err=True, fg="red")
    if problems:
        raise typer.Exit(2)
    if check:
        current = PERSPECTIVE_PATH.read_text(encoding="utf-8") if PERSPECTIVE_PATH.exists() else ""
        if current != text:
            typer.secho(f"{PERSPECTIVE_PATH} is out of date: run `licitagraph graph bloom`", err=True, fg="red")
            raise typer.Exit(1)
        typer.echo(f"{PERSPECTIVE_PATH} is up to date")
        return
    PERSPECTIVE_PATH.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {PERSPECTIVE_PATH}")


@graph_app.command("import-files")
def import_files(
    tables: Annotated[Path, typer.Option("--tables", exists=True, file_okay=False, help="folder with the graph tables")],
    out: Annotated[Path, typer.Option("--out", help="folder for the CSV files (replaced)")],
) -> None:
    """Write neo4j-admin import CSV files from the graph tables and print the import command."""
    from core.settings import get_settings
    from graph.admin_import import import_command, write_import_files
    from services.neo4j_server import ensure_installed

    files = write_import_files(tables, out)
    lib = ensure_installed(get_settings()).lib
    typer.echo(f"wrote {sum(files.rows.values()):,} rows as CSV under {out}")
    typer.echo("Stop Neo4j, then run (NEO4J_HOME and NEO4J_CONF set to the server's home and conf):")
    typer.echo(" ".join(import_command(files, lib=lib)))
    typer.echo("then start Neo4j and run `licitagraph graph init` and `licitagraph load --tables ...`.")


def verdict(
    finding_id: Annotated[str, typer.Argument(help="the finding id (`finding:<hex>`)", show_default=False)],
    verdict: Annotated[str, typer.Argument(help="confirmed, dismissed or needs_info", show_default=False)],
    note: Annotated[str, typer.Option("--note", help="why (at most 2000 characters; CPFs are masked)")] = "",
    who: Annotated[str | None, typer.Option("--who", help="who decided (default: cli:<system user>)")] = None,
) -> None:
    """Record an investigator's verdict on a finding (docs/verdicts.md): its new status and history."""
    import getpass

    from graph.connection import Neo4jAuthFailed, Neo4jUnavailable
    from graph.runner import Neo4jRunner
    from graph.verdicts import MAX_NOTE, VERDICTS, UnknownFinding, VerdictError, record_verdict

    if verdict not in VERDICTS:
        raise typer.BadParameter(f"{verdict!r} is not a verdict: use {', '.join(VERDICTS)}", param_hint="VERDICT")
    if len(note) > MAX_NOTE:
        raise typer.BadParameter(f"{len(note)} characters; at most {MAX_NOTE}", param_hint="'--note'")
    if who is None:
        try:
            who = f"cli:{getpass.getuser()}"
        except (KeyError, OSError):
            who = "cli"
    try:
        with Neo4jRunner() as runner:
            got = record_verdict(runner, finding_id, verdict, note, who)
    except UnknownFinding:
        raise typer.BadParameter(f"no finding {finding_id}", param_hint="FINDING_ID") from None
    except VerdictError as exc:
        raise typer.BadParameter(str(exc)) from None
    except (Neo4jUnavailable, Neo4jAuthFailed) as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(1) from exc
    typer.echo(f"{got['finding_id']}: {got['status']} ({len(got['history'])} entries in its history)")


@verdicts_app.command("export")
def export_verdicts(
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="the CSV file to write (replaced)")],
) -> None:
    """Every verdict ever given, oldest first, as CSV for the office's records: UTF-8, `;` between columns
    (Brazilian spreadsheets), CPFs masked."""
    from graph.connection import Neo4jAuthFailed, Neo4jUnavailable
    from graph.runner import Neo4jRunner
    from graph.verdicts import verdict_rows, write_csv

    try:
        with Neo4jRunner() as runner:
            rows = verdict_rows(runner)
    except (Neo4jUnavailable, Neo4jAuthFailed) as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(1) from exc
    n = write_csv(rows, out)
    typer.echo(f"wrote {n} verdicts to {out}")


def review_queue(
    limit: Annotated[int, typer.Option("--limit", min=1, help="how many findings to show")] = 20,
    mix: Annotated[float | None, typer.Option(
        "--mix", min=0.0, max=1.0,
        help="0 = by risk only, 1 = by what a verdict would teach only (default: LICITAGRAPH_REVIEW_QUEUE_MIX)")] = None,
    detector: Annotated[str | None, typer.Option("--detector", help="one detector code")] = None,
    agency: Annotated[str | None, typer.Option("--agency", help="findings about this agency id or its tenders")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False,
) -> None:
    """The unreviewed findings in the order an investigator should review them (docs/verdicts.md)."""
    import json

    from rich.console import Console
    from rich.table import Table

    from core.domain import mask_cpf_text
    from core.settings import get_settings
    from graph.connection import Neo4jAuthFailed, Neo4jUnavailable
    from graph.runner import Neo4jRunner
    from graph.verdicts import review_queue as queue

    s = get_settings()
    m = s.review_queue_mix if mix is None else mix
    try:
        with Neo4jRunner(s) as runner:
            rows = queue(runner, m, detector=detector, agency_id=agency)
    except (Neo4jUnavailable, Neo4jAuthFailed) as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(1) from exc
    if as_json:
        for r in rows[:limit]:
            f = r["finding"]
            typer.echo(json.dumps({"finding_id": f["id"], "detector": f["detector"],
                                   "subject_id": mask_cpf_text(f["subject_id"]),
                                   "priority": r["priority"], "risk": r["risk"], "uncertainty": r["uncertainty"],
                                   "why": r["why"]}, ensure_ascii=False))
        return
    t = Table(title=f"review queue: {len(rows)} unreviewed findings (mix {m:g}; weights {rows[0]['weights_source'] if rows else '-'})")
    for col in ("#", "priority", "risk", "detector", "subject", "finding", "why"):
        t.add_column(col)
    for i, r in enumerate(rows[:limit], 1):
        f = r["finding"]
        t.add_row(str(i), f"{r['priority']:.3f}", f"{r['risk']:.3f}", f["detector"], mask_cpf_text(f["subject_id"]),
                  f["id"], r["why"])
    Console().print(t)
