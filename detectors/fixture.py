"""Run one detector on a literal input: a JSON-lines fixture of graph-table rows (cardinal-rs's manner).

Fixture format (`tests/fixtures/detectors/<code>.jsonl`, one JSON object a line, blank lines skipped):

    {"table": "Tender", "id": "tender:a", "modality_id": 8, "year": 2025, "estimated_value": 70000}
    {"table": "BID", "src": "supplier:x", "dst": "item:a1", "value": 10.0, "won": true}
    {"config": {"ratio_min": 10}}

- a row with `"table"` is one row of that core/tables.py table, with the table's column names; unset
  columns are empty, an unknown column is an error, dates are ISO strings;
- one optional row with `"config"` holds the detector's options (as `detect --config` gives them);
- keys starting with `_` are notes for the reader (`"_case": "excluded: ..."`) and are ignored, except
  `"_expect": "flag" | "clear"` on a row with an `id`: the fixture test checks that the detector does (or
  does not) report a finding whose subject is that id.

`run_fixture` gives the findings as stable JSON-ready dicts (detector, subject kind and id, score rounded to
3 places, every evidence measure's value and its threshold rounded to 4 places), sorted by subject; the
`licitagraph detect --fixture FILE --only CODE` command prints them one a line, and the `.expected` file
beside a fixture is that output.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from core.domain import Finding
from core.tables import table
from detectors.base import GraphTables


class FixtureError(ValueError):
    """A malformed fixture; the message names the line."""


def read_fixture(path: Path) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """The fixture's rows by table (notes dropped) and its detector options."""
    rows: dict[str, list[dict[str, Any]]] = {}
    config: dict[str, Any] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FixtureError(f"{path}:{n}: not JSON ({exc})") from exc
        if not isinstance(obj, dict) or ("table" in obj) == ("config" in obj):
            raise FixtureError(f'{path}:{n}: a line is an object with either "table" or "config"')
        if "config" in obj:
            config.update(obj["config"])
            continue
        name = obj["table"]
        try:
            cols = set(table(name).column_names)
        except KeyError as exc:
            raise FixtureError(f"{path}:{n}: unknown table {name!r}") from exc
        row = {k: v for k, v in obj.items() if k != "table" and not k.startswith("_")}
        bad = sorted(set(row) - cols)
        if bad:
            raise FixtureError(f"{path}:{n}: table {name} has no column(s) {bad}")
        rows.setdefault(name, []).append(row)
    return rows, config


def expectations(path: Path) -> dict[str, str]:
    """id -> "flag" | "clear" for the fixture's rows that carry `_expect`."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            if "_expect" in obj:
                out[str(obj["id"])] = str(obj["_expect"])
    return out


def fixture_tables(rows: Mapping[str, list[dict[str, Any]]]) -> GraphTables:
    frames = {}
    for name, rs in rows.items():
        spec = table(name)
        df = pd.DataFrame(rs, columns=spec.column_names)
        for col in spec.columns:
            if col.type in ("date", "timestamp"):
                df[col.name] = pd.to_datetime(df[col.name], format="ISO8601")
        frames[name] = df
    return GraphTables.from_frames(**frames)


def _num(v: Any, places: int) -> Any:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return v
    if isinstance(v, float):
        return round(v, places) if math.isfinite(v) else None
    return v


def finding_row(f: Finding) -> dict[str, Any]:
    """The deterministic part of a finding, for fixtures' `.expected` files."""
    measures = f.evidence.measures
    return {
        "detector": f.detector,
        "kind": str(f.subject.kind),
        "subject": f.subject.id,
        "score": round(f.score, 3),
        "measures": {m.name: _num(m.value, 4) for m in measures},
        "thresholds": {m.name: [m.comparison, _num(m.threshold, 4)] for m in measures if m.threshold is not None},
    }


def run_fixture(path: Path, code: str, options: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Detector `code`'s findings on the fixture at `path` (options: the fixture's, updated by `options`)."""
    from detectors.graph_engines import NetworkxEngine
    from detectors.registry import BY_CODE

    if code not in BY_CODE:
        raise FixtureError(f"unknown detector code {code!r}; known: {', '.join(BY_CODE)}")
    rows, config = read_fixture(path)
    det = BY_CODE[code]()
    parsed = det.config({**config, **(options or {})})
    found = det.run(fixture_tables(rows), parsed, engine=NetworkxEngine() if det.needs_graph_engine else None)
    out = [finding_row(f) for f in found]
    return sorted(out, key=lambda r: (r["kind"], r["subject"], json.dumps(r, sort_keys=True)))


def dumps(rows: list[dict[str, Any]]) -> str:
    """JSON lines, one finding a line (the `.expected` format)."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
