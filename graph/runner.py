"""One small interface for running Cypher: the library files in `cypher/` by name, with parameters.

`QueryRunner` is what the rest of the system sees (the API's reader, the detectors' graph reads, the
loader). `Neo4jRunner` runs against a server through the Python driver; `RecordingRunner` records the
queries and answers canned rows, for unit tests. Library queries are always parameterized: a file's
`$parameters` are declared in its header (`// @param name type [= default] description`), the runner
fills the defaults and refuses unknown or missing ones, so nothing is ever string-built from input.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from core.settings import Settings, get_settings

log = logging.getLogger(__name__)

CYPHER_ROOT = Path(__file__).resolve().parent.parent / "cypher"
_PARAM_DECL = re.compile(r"^//\s*@param\s+(\w+)\s+([\w\[\]<>|]+)(?:\s*=\s*(\S+))?\s*(.*)$")
_PARAM_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)+$")

M = TypeVar("M", bound=BaseModel)
Row = dict[str, Any]


class QueryError(ValueError):
    """A library query was asked for with an unknown name or wrong parameters."""


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    default: Any = None
    required: bool = True
    doc: str = ""


@dataclass(frozen=True)
class CypherQuery:
    """One file of the library: `cypher/<area>/<verb>_<noun>.cypher`."""

    name: str
    path: Path
    text: str
    purpose: str
    params: tuple[ParamSpec, ...]
    writes: bool = False

    @property
    def used_params(self) -> set[str]:
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith("//"))
        return set(_PARAM_USE.findall(body))

    def bind(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """The parameters to send: given values plus declared defaults; unknown or missing ones fail."""
        given = dict(given or {})
        declared = {p.name: p for p in self.params}
        unknown = set(given) - set(declared)
        if unknown:
            raise QueryError(f"{self.name}: unknown parameter(s) {sorted(unknown)}; declared: {sorted(declared)}")
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name in given:
                out[p.name] = given[p.name]
            elif p.required:
                raise QueryError(f"{self.name}: missing parameter ${p.name} ({p.doc or p.type})")
            else:
                out[p.name] = p.default
        return out


def parse_query(name: str, path: Path) -> CypherQuery:
    text = path.read_text(encoding="utf-8")
    purpose_lines: list[str] = []
    params: list[ParamSpec] = []
    writes = False
    for line in text.splitlines():
        s = line.strip()
        if not s.startswith("//"):
            if s:
                break
            continue
        m = _PARAM_DECL.match(s)
        if m:
            pname, ptype, default, doc = m.groups()
            if default is None:
                params.append(ParamSpec(pname, ptype, None, True, doc.strip()))
            else:
                params.append(ParamSpec(pname, ptype, json.loads(default), False, doc.strip()))
        elif s.startswith("// @writes"):
            writes = True
        elif s.startswith("// @"):
            continue
        else:
            purpose_lines.append(s[2:].strip())
    purpose = " ".join(x for x in purpose_lines if x).strip()
    q = CypherQuery(name, path, text, purpose, tuple(params), writes)
    undeclared = q.used_params - {p.name for p in params}
    if undeclared:
        raise QueryError(f"{name}: uses undeclared parameter(s) {sorted(undeclared)}; declare them with // @param")
    return q


@lru_cache(maxsize=256)
def get_query(name: str, root: Path = CYPHER_ROOT) -> CypherQuery:
    """The library query `name` (`<area>/<verb>_<noun>`, no extension)."""
    if not _NAME.match(name):
        raise QueryError(f"not a library query name: {name!r} (expected `<area>/<verb>_<noun>`)")
    path = root / f"{name}.cypher"
    if not path.is_file():
        raise QueryError(f"no library query {name!r} (looked for {path})")
    return parse_query(name, path)


def library(root: Path = CYPHER_ROOT) -> list[CypherQuery]:
    """Every query of the library, sorted by name."""
    out = []
    for path in sorted(root.rglob("*.cypher")):
        name = path.relative_to(root).with_suffix("").as_posix()
        out.append(get_query(name, root))
    return out


def to_native(value: Any) -> Any:
    """Driver values -> plain Python: temporal types to datetime/date, nodes to property dicts."""
    import neo4j.graph
    import neo4j.time

    if isinstance(value, neo4j.time.DateTime | neo4j.time.Date | neo4j.time.Time):
        return value.to_native()
    if isinstance(value, neo4j.time.Duration):
        return str(value)
    if isinstance(value, neo4j.graph.Node):
        return {**{k: to_native(v) for k, v in value.items()}, "_labels": sorted(value.labels)}
    if isinstance(value, neo4j.graph.Relationship):
        return {**{k: to_native(v) for k, v in value.items()}, "_type": value.type}
    if isinstance(value, list):
        return [to_native(v) for v in value]
    if isinstance(value, dict):
        return {k: to_native(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class WriteSummary:
    nodes_created: int = 0
    nodes_deleted: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    labels_added: int = 0
    rows: tuple[Row, ...] = ()

    def __add__(self, other: WriteSummary) -> WriteSummary:
        return WriteSummary(
            self.nodes_created + other.nodes_created,
            self.nodes_deleted + other.nodes_deleted,
            self.relationships_created + other.relationships_created,
            self.relationships_deleted + other.relationships_deleted,
            self.properties_set + other.properties_set,
            self.labels_added + other.labels_added,
            self.rows + other.rows,
        )


@dataclass(frozen=True)
class Statement:
    """Cypher built by `graph/` itself from core constants (loader, schema); never from input."""

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)


class QueryRunner(Protocol):
    def read(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run the library query `name` in a read transaction; rows as plain dicts."""
        ...

    def write(self, name: str, params: Mapping[str, Any] | None = None) -> WriteSummary:
        """Run the library query `name` (declared `// @writes`) in a write transaction."""
        ...

    def explain(self, name: str) -> list[str]:
        """`EXPLAIN` the library query `name` with its declared defaults; returns the plan's operators."""
        ...

    def execute(self, statements: Sequence[Statement], *, write: bool = True) -> list[WriteSummary]:
        """Run graph-internal statements in one transaction (all or nothing)."""
        ...


def read_as(runner: QueryRunner, name: str, model: type[M], params: Mapping[str, Any] | None = None) -> list[M]:
    """Typed results: each row validated into `model`."""
    return [model.model_validate(r) for r in runner.read(name, params)]


def _json_safe(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


class Neo4jRunner:
    """QueryRunner over the Python driver, with the connection module's clear errors."""

    def __init__(self, settings: Settings | None = None, *, root: Path = CYPHER_ROOT) -> None:
        from graph.connection import make_driver

        self.settings = settings or get_settings()
        self.root = root
        self._driver = make_driver(self.settings)

    def __enter__(self) -> Neo4jRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._driver.close()

    def _session(self) -> Any:
        return self._driver.session(database=self.settings.neo4j_database)

    def _guard(self, fn: Callable[[], Any]) -> Any:
        from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

        from graph.connection import _translate

        try:
            return fn()
        except (AuthError, ServiceUnavailable, SessionExpired) as exc:
            raise _translate(exc, self.settings) from exc

    def read(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        q = get_query(name, self.root)
        bound = q.bind(params)

        def work(tx: Any) -> list[Row]:
            return [to_native(dict(r)) for r in tx.run(q.text, bound)]

        def go() -> list[Row]:
            with self._session() as s:
                return s.execute_read(work) if not q.writes else s.execute_write(work)  # type: ignore[no-any-return]

        rows: list[Row] = self._guard(go)
        log.debug("%s %s -> %d rows", name, {k: _json_safe(v) for k, v in bound.items()}, len(rows))
        return rows

    def write(self, name: str, params: Mapping[str, Any] | None = None) -> WriteSummary:
        q = get_query(name, self.root)
        return self.execute([Statement(q.text, q.bind(params))])[0]

    def explain(self, name: str) -> list[str]:
        q = get_query(name, self.root)
        bound = {p.name: p.default for p in q.params}

        def go() -> list[str]:
            with self._session() as s:
                summary = s.run("EXPLAIN " + q.text, bound).consume()
            ops: list[str] = []

            def walk(plan: Any) -> None:
                if plan is None:
                    return
                op = plan.get("operatorType") if isinstance(plan, dict) else getattr(plan, "operator_type", None)
                ops.append(str(op))
                children = plan.get("children", []) if isinstance(plan, dict) else getattr(plan, "children", [])
                for c in children:
                    walk(c)

            walk(summary.plan)
            return ops

        result: list[str] = self._guard(go)
        return result

    def execute(self, statements: Sequence[Statement], *, write: bool = True) -> list[WriteSummary]:
        def work(tx: Any) -> list[WriteSummary]:
            out = []
            for st in statements:
                res = tx.run(st.text, dict(st.params))
                rows = tuple(to_native(dict(r)) for r in res)
                c = res.consume().counters
                out.append(
                    WriteSummary(
                        c.nodes_created, c.nodes_deleted, c.relationships_created,
                        c.relationships_deleted, c.properties_set, c.labels_added, rows,
                    )
                )
            return out

        def go() -> list[WriteSummary]:
            with self._session() as s:
                return s.execute_write(work) if write else s.execute_read(work)  # type: ignore[no-any-return]

        result: list[WriteSummary] = self._guard(go)
        return result


@dataclass
class RecordingRunner:
    """A QueryRunner for unit tests: records every call and answers canned rows by query name."""

    answers: dict[str, list[Row]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    root: Path = CYPHER_ROOT

    def read(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        bound = get_query(name, self.root).bind(params)
        self.calls.append((name, bound))
        return [dict(r) for r in self.answers.get(name, [])]

    def write(self, name: str, params: Mapping[str, Any] | None = None) -> WriteSummary:
        bound = get_query(name, self.root).bind(params)
        self.calls.append((name, bound))
        return WriteSummary()

    def explain(self, name: str) -> list[str]:
        get_query(name, self.root)
        self.calls.append((name, {}))
        return []

    def execute(self, statements: Sequence[Statement], *, write: bool = True) -> list[WriteSummary]:
        self.statements.extend(statements)
        return [WriteSummary(rows=tuple(self.answers.get(st.text, []))) for st in statements]

    def names(self) -> Iterator[str]:
        return (n for n, _ in self.calls)
