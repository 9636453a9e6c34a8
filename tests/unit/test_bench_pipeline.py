"""bench/pipeline.py's table: rates and blanks per row, and the rows of sizes a run did not measure kept
from the saved block (marked as an earlier run) while the measured sizes are replaced."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def bench_pipeline() -> ModuleType:
    """bench/ is not an installed package: load the script from its file (it imports nothing heavy at import)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    spec = importlib.util.spec_from_file_location("bench_pipeline_under_test", REPO / "bench" / "pipeline.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while they are built
    spec.loader.exec_module(module)
    return module


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def table(block: str) -> list[list[str]]:
    return [cells(ln) for ln in block.splitlines() if ln.startswith("| ") and not ln.startswith(("| size", "| ---"))]


def test_row_rates_and_blanks() -> None:
    bp = bench_pipeline()
    etl = cells(bp.row_line(bp.Row("100k", 106_815, "etl", 120.0, 190_095, 3_767.4, 1_200.6, "x rows")))
    assert etl == ["100k", "106,815", "etl", "120.0", "190,095", "1,584", "3,767", "1,201", "x rows"]
    skipped = cells(bp.row_line(bp.Row("100k", 106_815, "gnn", 0.0, None, 10.0, 5.0, "skipped: no checkpoint")))
    assert skipped[4:6] == ["", ""]
    start = cells(bp.row_line(bp.Row("10k", 10_435, "spark start", 5.5)))
    assert start[4:8] == ["", "", "", ""]
    zero = cells(bp.row_line(bp.Row("10k", 10_435, "alerts: match", 0.0, 3)))
    assert zero[4:6] == ["3", ""]  # no rate from a zero time


def test_unmeasured_sizes_are_kept_and_measured_ones_replaced() -> None:
    bp = bench_pipeline()
    first = bp.render(
        [bp.Row("10k", 10_435, "etl", 80.0, 18_749), bp.Row("10k", 10_435, "total", 100.0, 10_435),
         bp.Row("100k", 106_815, "etl", 150.0, 190_095), bp.Row("100k", 106_815, "total", 200.0, 106_815)],
        "first run")
    assert first.startswith(bp.START) and first.rstrip().endswith(bp.END)
    doc = f"# Benchmarks\n\n{first}\n\nnotes\n"
    second = bp.render([bp.Row("1M", 1_000_123, "total", 500.0, 1_000_123),
                        bp.Row("10k", 10_435, "total", 90.0, 10_435)], "second run", bp.previous_rows(doc))
    rows = table(second)
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("10k", "total", "90.0"),  # measured again: the old 10k rows are gone
        ("100k", "etl", "150.0"), ("100k", "total", "200.0"),
        ("1M", "total", "500.0"),
    ]
    assert [r[-1] for r in rows if r[0] == "100k"] == ["earlier run", "earlier run"]
    assert all("earlier" not in r[-1] for r in rows if r[0] != "100k")
    assert "second run" in second and "first run" not in second
    # kept again by a third run: marked once, not twice
    third = bp.render([bp.Row("10k", 10_435, "total", 95.0, 10_435)], "third", bp.previous_rows(second))
    assert [r[-1] for r in table(third) if r[0] == "100k"] == ["earlier run", "earlier run"]


def test_saved_block_replaces_only_its_own(tmp_path: Path) -> None:
    bp = bench_pipeline()
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n<!-- etl:start -->\netl table\n<!-- etl:end -->\n\n## Whole pipeline\n"
                   f"{bp.START}\nold\n{bp.END}\n\nWhat each stage includes.\n", encoding="utf-8")
    bp.save(bp.render([bp.Row("10k", 10_435, "total", 90.0, 10_435)], "header"), doc)
    text = doc.read_text(encoding="utf-8")
    assert "etl table" in text and "What each stage includes." in text and "\nold\n" not in text
    assert text.count(bp.START) == 1 and "| 10k | 10,435 | total | 90.0 | 10,435 | 116 |" in text
