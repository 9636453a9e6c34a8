"""The graph model in code: labels, relationship types, id prefixes and the schema statements.

Everything here comes from `core.tables` (the graph tables contract) and `core.domain` (subjects), so
the loader never builds a label or relationship type from input: identifiers are checked against these
constants before they appear in a statement. docs/graph-model.md describes the same model for people.
"""

from __future__ import annotations

import re

from core.domain import SUBJECT_LABELS
from core.tables import NODE_TABLES, REL_TABLES, TableSpec

FINDING_LABEL = "Finding"
ABOUT = "ABOUT"
INVOLVES = "INVOLVES"
CHECKPOINT_LABEL = "LoadCheckpoint"
VERSION_LABEL = "DataVersion"  # graph/version.py: the token caching readers compare
# The findings' lifecycle (graph/verdicts.py): one `(:FindingEvent)` per status change or verdict,
# `(Finding)-[:HAS_EVENT]->(FindingEvent)`, never deleted.
FINDING_EVENT_LABEL = "FindingEvent"
HAS_EVENT = "HAS_EVENT"

NODE_LABELS: tuple[str, ...] = tuple(t.name for t in NODE_TABLES)
REL_TYPES: tuple[str, ...] = tuple(t.name for t in REL_TABLES)
SUBJECT_LABEL_BY_KIND: dict[str, str] = {k.value: v for k, v in SUBJECT_LABELS.items()}

# Node ids are `<prefix>:<natural key>` (core/tables.py); the prefix names the label.
ID_PREFIX_LABEL: dict[str, str] = {
    "agency": "Agency",
    "unit": "Unit",
    "tender": "Tender",
    "item": "Item",
    "supplier": "Supplier",
    "person": "Person",
    "address": "Address",
    "phone": "Phone",
    "email": "Email",
    "sanction": "Sanction",
    "finding": FINDING_LABEL,
}

# Bloom's search box and the API's name search use these full-text indexes.
FULLTEXT_INDEXES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "supplier_name_ft": (("Supplier",), ("name", "trade_name", "document")),
    "person_name_ft": (("Person",), ("name",)),
    "agency_name_ft": (("Agency", "Unit"), ("name",)),
    "item_description_ft": (("Item",), ("description", "description_norm")),
    "tender_object_ft": (("Tender",), ("object",)),
}

# Range indexes for the filters and sorts of the investigator library and the API.
RANGE_INDEXES: tuple[tuple[str, str], ...] = (
    ("Tender", "risk_score"),
    ("Supplier", "risk_score"),
    ("Agency", "risk_score"),
    ("Item", "risk_score"),
    ("Tender", "year"),
    ("Tender", "modality_id"),
    ("Tender", "agency_id"),
    ("Tender", "batch"),
    ("Item", "item_class"),
    ("Supplier", "document"),
    ("Supplier", "cnpj_basico"),
    ("Agency", "cnpj"),
    ("Sanction", "subject_document"),
    (FINDING_LABEL, "detector"),
    (FINDING_LABEL, "subject_id"),
    (FINDING_LABEL, "score"),
)

# Lifecycle indexes (kept apart from RANGE_INDEXES, which also shape the Bloom perspective).
LIFECYCLE_INDEXES: tuple[tuple[str, str], ...] = (
    (FINDING_LABEL, "status"),
    (FINDING_EVENT_LABEL, "finding_id"),
    (FINDING_EVENT_LABEL, "at"),
)

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def ident(name: str) -> str:
    """Return `name` backquoted after checking it is a known label, type or property name."""
    if not _IDENT.match(name):
        raise ValueError(f"not a safe Cypher identifier: {name!r}")
    return f"`{name}`"


def label_for_id(node_id: str) -> str | None:
    """The label a node id belongs to, from its prefix; None for an unknown prefix."""
    prefix = node_id.split(":", 1)[0]
    return ID_PREFIX_LABEL.get(prefix)


def node_label(spec: TableSpec) -> str:
    if spec.kind != "node" or spec.name not in NODE_LABELS:
        raise ValueError(f"{spec.name} is not a node table")
    return spec.name


def schema_statements(part: str = "all") -> list[str]:
    """Idempotent constraints and indexes (`IF NOT EXISTS`), built from the constants above only.

    `part`: "constraints" (the unique ids the loader MERGEs on), "indexes" (the rest), or "all". A first
    load creates the constraints, loads, then the indexes, which then populate in bulk."""
    if part not in ("all", "constraints", "indexes"):
        raise ValueError(f"unknown schema part {part!r}")
    constraints, indexes = _constraint_statements(), _index_statements()
    return {"all": constraints + indexes, "constraints": constraints, "indexes": indexes}[part]


def _constraint_statements() -> list[str]:
    out: list[str] = []
    for label in (*NODE_LABELS, FINDING_LABEL):
        out.append(
            f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS "
            f"FOR (n:{ident(label)}) REQUIRE n.id IS UNIQUE"
        )
    out.append(
        f"CREATE CONSTRAINT loadcheckpoint_key IF NOT EXISTS FOR (n:{ident(CHECKPOINT_LABEL)}) REQUIRE n.key IS UNIQUE"
    )
    out.append(
        f"CREATE CONSTRAINT dataversion_id IF NOT EXISTS FOR (n:{ident(VERSION_LABEL)}) REQUIRE n.id IS UNIQUE"
    )
    out.append(
        f"CREATE CONSTRAINT findingevent_id IF NOT EXISTS FOR (n:{ident(FINDING_EVENT_LABEL)}) REQUIRE n.id IS UNIQUE"
    )
    return out


def _index_statements() -> list[str]:
    out: list[str] = []
    for label, prop in (*RANGE_INDEXES, *LIFECYCLE_INDEXES):
        out.append(
            f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{ident(label)}) ON (n.{ident(prop)})"
        )
    for rel, prop in (("BID", "won"), ("BID", "rank")):
        out.append(
            f"CREATE INDEX rel_{rel.lower()}_{prop} IF NOT EXISTS FOR ()-[r:{ident(rel)}]-() ON (r.{ident(prop)})"
        )
    for name, (labels, props) in FULLTEXT_INDEXES.items():
        lab = "|".join(ident(x) for x in labels)
        cols = ", ".join(f"n.{ident(p)}" for p in props)
        out.append(f"CREATE FULLTEXT INDEX {name} IF NOT EXISTS FOR (n:{lab}) ON EACH [{cols}]")
    return out
