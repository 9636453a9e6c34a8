"""Helpers for detector tests: hand-made graph-table rows with the core/tables.py columns."""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.tables import table


def frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A frame of table `name` with every contract column (unset ones empty) and nothing else."""
    cols = table(name).column_names
    bad = {k for r in rows for k in r} - set(cols)
    if bad:
        raise KeyError(f"{name} has no column(s) {sorted(bad)}")
    df = pd.DataFrame(rows, columns=cols)
    for spec in table(name).columns:
        if spec.type in ("date", "timestamp"):
            df[spec.name] = pd.to_datetime(df[spec.name], format="mixed")
    return df


def bid(supplier: str, item: str, value: float, won: bool = False, status: str = "valid") -> dict[str, Any]:
    return {
        "src": supplier,
        "dst": item,
        "src_label": "Supplier",
        "dst_label": "Item",
        "value": value,
        "unit_value": value,
        "quantity": 1.0,
        "won": won,
        "status": status,
    }


def rel(src: str, dst: str, src_label: str, dst_label: str, **props: Any) -> dict[str, Any]:
    return {"src": src, "dst": dst, "src_label": src_label, "dst_label": dst_label, **props}
