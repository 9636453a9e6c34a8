"""The one way bench scripts keep their table in docs/benchmarks.md: a block between two markers, replaced
in place when the markers are there, appended otherwise."""

from __future__ import annotations

from pathlib import Path


def replace_block(block: str, path: Path, start: str, end: str) -> None:
    """Write `block` (which holds its own `start` and `end` markers) into `path` in place of the old one."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
