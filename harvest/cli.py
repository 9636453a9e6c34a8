"""CLI commands of the harvesters: `licitagraph harvest SOURCE` and `licitagraph harvest-replay`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer


def _day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint=flag) from exc


def harvest(
    source: Annotated[str, typer.Argument(help="pncp | compras | cnpj | sancoes")],
    sources: Annotated[Path | None, typer.Option("--sources", file_okay=False,
                                                 help="the sources folder (default: the one the pipeline reads)")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="first day, YYYY-MM-DD (default: --to)")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="last day, YYYY-MM-DD (default: yesterday)")] = None,
    uf: Annotated[str | None, typer.Option("--uf", help="PNCP: the buying unit's state (GO)")] = None,
    municipio: Annotated[str | None, typer.Option("--municipio", help="PNCP: IBGE municipality code")] = None,
    cnpj: Annotated[str | None, typer.Option("--cnpj", help="PNCP: agency CNPJ; compras: UASG code")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="another server (a state mirror, the replay server)")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="fetch complete windows again, as a correction batch")] = False,
    months: Annotated[str, typer.Option("--months", help="cnpj: latest | all | YYYY-MM[,YYYY-MM]")] = "latest",
    modalities: Annotated[str | None, typer.Option("--modalities", help="PNCP modality ids, e.g. 6,8 (default: all)")] = None,
    window_days: Annotated[int, typer.Option("--window-days", min=1, max=365, help="days per request window")] = 1,
    rps: Annotated[float | None, typer.Option("--rps", min=0.01, help="requests per second (default: settings)")] = None,
) -> None:
    """Fetch a public source into the sources folder, resumably; prints what was fetched.

    Complete windows are skipped unless --refresh; a killed run resumes where it stopped. The run manifest
    goes to <sources>/.harvest/runs/."""
    from dataclasses import replace

    from rich.console import Console
    from rich.table import Table

    from core.settings import get_settings
    from harvest.common import Options
    from harvest.http import HarvestHTTPError
    from harvest.run import SOURCES, policy_from, summary
    from harvest.run import harvest as run_harvest

    if source not in SOURCES:
        raise typer.BadParameter(f"{source!r} is not one of {', '.join(SOURCES)}", param_hint="SOURCE")
    s = get_settings()
    try:
        mods = tuple(int(x) for x in modalities.split(",")) if modalities else tuple(s.harvest_pncp_modalities)
    except ValueError as exc:
        raise typer.BadParameter(f"{modalities!r} is not a list of numbers", param_hint="--modalities") from exc
    opts = Options(
        sources=sources or s.data_dir / "sources", date_from=_day(date_from, "--from"), date_to=_day(date_to, "--to"),
        uf=uf, municipio=municipio, cnpj=cnpj, base_url=base_url or s.harvest_base_url(source), refresh=refresh,
        months=months, modalities=mods, window_days=window_days,
    )
    try:
        opts.window_range()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--from") from exc
    policy = policy_from(s)
    if rps is not None:
        policy = replace(policy, rps=rps)
    console = Console()
    try:
        m = run_harvest(source, opts, policy=policy)
    except (HarvestHTTPError, RuntimeError) as exc:
        console.print(f"[red]harvest {source} failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    t = Table(title=f"harvest {source} -> {opts.sources}", show_header=False)
    for k, v in summary(m).items():
        t.add_row(k, str(v))
    t.add_row("manifest", str(m.path(opts.sources)))
    console.print(t)
    for e in m.errors[:10]:
        console.print(f"  [yellow]{e['where']}[/yellow]: {e['reason']}")
    if len(m.errors) > 10:
        console.print(f"  ... {len(m.errors) - 10} more in the manifest")
    if m.status != "succeeded":
        raise typer.Exit(1)


def harvest_replay(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="0: any free port")] = 8765,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    start: Annotated[str, typer.Option("--start", help="first publication day served, YYYY-MM-DD")] = "2025-03-03",
    days: Annotated[int, typer.Option("--days", min=1, max=400)] = 3,
    per_day: Annotated[int, typer.Option("--per-day", min=1, help="contratações a day")] = 40,
    samples: Annotated[Path | None, typer.Option("--samples", exists=True, file_okay=False,
                                                 help="the shared formats folder: real PNCP records as templates")] = None,
    faults: Annotated[bool, typer.Option("--faults/--no-faults", help="throttle, fail and cut answers now and then")] = False,
    seed: Annotated[int, typer.Option("--seed")] = 7,
) -> None:
    """Serve the public sources locally (PNCP, Compras, CNPJ, CEIS/CNEP) for `harvest --base-url`."""
    import time

    from harvest.replay import Faults, ReplayServer, World

    day0 = _day(start, "--start")
    assert day0 is not None
    world = World(start=day0, days=days, per_day=per_day, seed=seed, samples=samples, malformed_every=97).build()
    srv = ReplayServer(world, Faults.flaky() if faults else Faults(), host=host, port=port).start()
    typer.echo(f"replay server on {srv.url} ({len(world.contratacoes)} contratações, {start} + {days} days); "
               f"Ctrl-C stops it")
    typer.echo(f"  licitagraph harvest pncp --base-url {srv.url} --from {start} --to {start} --uf GO --sources DIR")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()
