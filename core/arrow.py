"""The table specs of core/tables.py as Arrow schemas: one mapping for every writer that does not go
through Spark (the ETL's empty tables, the fixture worlds, the findings and risk files)."""

from __future__ import annotations

import pyarrow as pa

from core.tables import ColumnType, TableSpec

# Spark writes timestamps as UTC instants with a zone; the findings files keep them without one
# (core/findings_io.py says why).
ZONED_TIMESTAMP = pa.timestamp("us", tz="UTC")
NAIVE_TIMESTAMP = pa.timestamp("us")

_TYPES: dict[ColumnType, pa.DataType] = {
    "string": pa.string(),
    "long": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": ZONED_TIMESTAMP,
    "array<string>": pa.list_(pa.string()),
}


def arrow_schema(spec: TableSpec, *, zoned_timestamps: bool = True) -> pa.Schema:
    """The spec's columns as Arrow fields, nullability included."""
    def type_of(t: ColumnType) -> pa.DataType:
        return NAIVE_TIMESTAMP if t == "timestamp" and not zoned_timestamps else _TYPES[t]

    return pa.schema([pa.field(c.name, type_of(c.type), nullable=c.nullable) for c in spec.columns])
