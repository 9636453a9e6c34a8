"""CLI command of the world simulator: `licitagraph synth`. Heavy imports stay inside."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def synth(
    out: Annotated[Path, typer.Option("--out", help="folder to write the source files into")],
    seed: Annotated[int, typer.Option("--seed", min=0, help="random seed; the same seed gives the same files")] = 42,
    tenders: Annotated[int, typer.Option("--tenders", min=1, help="number of tenders to generate")] = 500,
) -> None:
    """Generate a synthetic Goiás procurement world in the real source formats, with planted fraud."""
    from rich.console import Console
    from rich.table import Table

    from synth import generate

    counts: dict[str, int] = generate(out=out, seed=seed, tenders=tenders)
    table = Table(title=f"synthetic world in {out} (seed {seed})")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, n in counts.items():
        table.add_row(str(name), f"{int(n):,}")
    Console().print(table)
