"""What every detector shares: the graph-table reader, the config base, data-driven thresholds, findings.

A detector is one module `detectors/<code>.py` holding one `Detector` subclass that declares everything
known about it in one `info = DetectorInfo(...)` (code, version, Portuguese title, weight prior in the
combined risk, the Portuguese "why it matters" text of the alert email, the synthetic patterns it should
find; `detectors/registry.py` checks them), a strict pydantic `Config` (unknown keys rejected; every threshold optional and, when unset,
computed from the data and reported in the evidence) and a `run(tables, config)` that returns
`core.domain.Finding`s. Detectors read the Parquet graph tables (core/tables.py) with pandas, never Neo4j.
"""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from core.delta import RunVersion, exists, read_pandas, resolve
from core.domain import Evidence, Finding, Measure, Subject, SubjectKind
from core.tables import table

log = logging.getLogger(__name__)
T = TypeVar("T")

_PANDAS_TYPES = {
    "string": "object",
    "long": "Int64",
    "double": "float64",
    "boolean": "boolean",
    "date": "datetime64[ns]",
    "timestamp": "datetime64[ns]",
    "array<string>": "object",
}


@dataclass(frozen=True)
class DetectorInfo:
    """What one detector declares about itself, in one place (its class's `info`).

    The registry reads the risk weights from here, the alert email its `why` text and the synthetic
    evaluation its `patterns`; `problems()` lists what is wrong with a declaration."""

    code: str  # the detector's code: its module is `detectors/<code>.py`, its page `docs/detectors/<code>.md`
    version: str  # semantic version, stored with every finding
    title: str  # Portuguese title of its findings (pt-BR, shown as is)
    weight: float  # weight prior of its score in the combined risk (detectors/risk.py), in (0, 1]
    why: str  # Portuguese "why it matters" paragraph of the alert email (alerts/notify.py)
    patterns: tuple[
        str, ...
    ] = ()  # planted synthetic patterns it is expected to find (evaluation/synthetic.py)

    def problems(self) -> list[str]:
        out = []
        if not self.code.isidentifier() or self.code != self.code.lower():
            out.append(f"code {self.code!r} is not a lowercase identifier")
        parts = self.version.split(".")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            out.append(f"version {self.version!r} is not MAJOR.MINOR.PATCH")
        if not 0 < self.weight <= 1:
            out.append(f"weight {self.weight} is not in (0, 1]")
        if not self.title.strip() or not self.why.strip():
            out.append("title and why must not be empty")
        if len(set(self.patterns)) != len(self.patterns) or not all(self.patterns):
            out.append(f"patterns {self.patterns} repeat or hold an empty name")
        return [f"{self.code}: {p}" for p in out]


class DetectorConfig(BaseModel):
    """Base of every detector's options: unknown keys are an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class GraphTables:
    """Read-only access to the graph tables as pandas DataFrames with every contract column present.

    Built on a tables folder (`GraphTables.from_dir`) or on in-memory frames (`GraphTables.from_frames`,
    for tests). A missing table reads as an empty frame with the contract's columns. A folder is read as
    one run version of the ETL (`version`, core/delta.py): the latest, or the one `as_of` names."""

    def __init__(self, root: Path | None = None, frames: Mapping[str, pd.DataFrame] | None = None,
                 at: RunVersion | None = None) -> None:
        self.root = root
        self.at = at
        self._frames: dict[str, pd.DataFrame] = dict(frames or {})
        self._memo: dict[Hashable, Any] = {}

    @classmethod
    def from_dir(cls, root: Path, as_of: str | None = None) -> GraphTables:
        """The tables of `root` as of the run version `as_of` (a number, a date; the latest when None)."""
        return cls(root=root, at=resolve(root, as_of))

    @property
    def version(self) -> int | None:
        """The run version read (None: tables without run versions, or in-memory frames)."""
        return self.at.version if self.at is not None else None

    @classmethod
    def from_frames(cls, **frames: pd.DataFrame) -> GraphTables:
        return cls(frames=frames)

    def has(self, name: str) -> bool:
        if name in self._frames:
            return True
        return self.root is not None and exists(self.root, table(name).path, self.at)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per tables object and key: detectors that share a derived table (the screens'
        cover index) compute it once per run."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    def get(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = self._read(name)
        return self._conform(name, self._frames[name])

    def _read(self, name: str) -> pd.DataFrame:
        spec = table(name)
        if self.root is None or not exists(self.root, spec.path, self.at):
            return pd.DataFrame(columns=spec.column_names)
        return read_pandas(self.root, spec.path, at=self.at)

    @staticmethod
    def _conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
        spec = table(name)
        out = df.copy()
        for col in spec.columns:
            if col.name not in out.columns:
                out[col.name] = pd.Series(dtype=_PANDAS_TYPES[col.type], index=out.index)
            elif col.type in ("date", "timestamp"):
                out[col.name] = pd.to_datetime(out[col.name], errors="coerce", utc=True).dt.tz_localize(None)
            elif col.type == "double":
                out[col.name] = pd.to_numeric(out[col.name], errors="coerce").astype(float)
        return out


def upper_fence(values: Iterable[float], k: float = 1.5) -> float:
    """Tukey's upper fence Q3 + k * IQR of the finite values (NaN when there are none)."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return float("nan")
    q1, q3 = np.percentile(v, [25, 75])
    return float(q3 + k * (q3 - q1))


def lower_fence(values: Iterable[float], k: float = 1.5) -> float:
    """Tukey's lower fence Q1 - k * IQR of the finite values (NaN when there are none)."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return float("nan")
    q1, q3 = np.percentile(v, [25, 75])
    return float(q1 - k * (q3 - q1))


def bh_cutoff(pvalues: Iterable[float], q: float) -> float:
    """The Benjamini-Hochberg cut-off of `pvalues` at false discovery rate `q`: the largest p(i) with
    p(i) <= q * i / m (p-values at or under it are discoveries); 0.0 when none is."""
    p = np.sort(np.asarray([x for x in pvalues if x == x], dtype=float))
    if p.size == 0:
        return 0.0
    ok = p <= q * np.arange(1, p.size + 1) / p.size
    return float(p[np.flatnonzero(ok).max()]) if ok.any() else 0.0


def oneway_icc(values: pd.Series, groups: pd.Series) -> float:
    """Intraclass correlation of `values` within `groups` (one-way ANOVA estimator, clipped to [0, 1]).

    How alike the items of one tender are: a tender's n items carry the information of
    n / (1 + (n - 1) * icc) independent ones (the design effect)."""
    df = pd.DataFrame({"v": pd.to_numeric(values, errors="coerce"), "g": groups}).dropna()
    k = df.groupby("g")["v"].size()
    n, a = len(df), len(k)
    if a < 2 or n <= a:
        return 0.0
    mean = df["v"].mean()
    gm = df.groupby("g")["v"].transform("mean")
    msb = float((k * (df.groupby("g")["v"].mean() - mean) ** 2).sum()) / (a - 1)
    msw = float(((df["v"] - gm) ** 2).sum()) / (n - a)
    n0 = (n - float((k**2).sum()) / n) / (a - 1)
    den = msb + (n0 - 1) * msw
    return clip01((msb - msw) / den) if den > 0 else 0.0


def design_effect_z(mean: float, n: float, center: float, sd: float, icc: float) -> float:
    """How many standard errors a group mean of `n` correlated items sits above the market's `center`."""
    if not (sd > 0 and n > 0):
        return float("nan")
    se = sd * math.sqrt((1 + (n - 1) * icc) / n)
    return (mean - center) / se


def clip01(x: float) -> float:
    if x != x:
        return 0.0
    return float(min(1.0, max(0.0, x)))


def excess_score(value: float, threshold: float, scale: float | None = None) -> float:
    """A score in [0.5, 1] for a value past its threshold: 0.5 at the threshold, approaching 1 far beyond.

    `scale` is how far past the threshold counts as "far"; default: the threshold itself."""
    s = abs(scale if scale else threshold) or 1.0
    return clip01(0.5 + 0.5 * (1 - math.exp(-abs(value - threshold) / s)))


def make_finding(
    detector: Detector[Any],
    kind: SubjectKind,
    subject_id: str,
    score: float,
    title: str,
    summary: str,
    measures: Iterable[Measure],
    node_ids: Iterable[str],
    details: dict[str, Any] | None = None,
) -> Finding:
    nodes = tuple(dict.fromkeys(str(n) for n in node_ids if n is not None and str(n) != "nan"))
    if subject_id not in nodes:
        nodes = (subject_id, *nodes)
    return Finding(
        detector=detector.code,
        detector_version=detector.version,
        subject=Subject(kind=kind, id=subject_id),
        score=clip01(score),
        title=title,
        evidence=Evidence(summary=summary, measures=tuple(measures), node_ids=nodes, details=details or {}),
    )


C = TypeVar("C", bound=DetectorConfig)


class Detector(ABC, Generic[C]):
    """One red flag. Subclasses set `info` (a `DetectorInfo`), `Config` and implement `run`; `code`,
    `version` and `title` are read from `info`."""

    info: ClassVar[DetectorInfo]
    code: ClassVar[str]
    version: ClassVar[str]
    title: ClassVar[str]
    Config: ClassVar[type[DetectorConfig]]
    needs_graph_engine: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        info = cls.__dict__.get("info")
        if isinstance(info, DetectorInfo):
            cls.code, cls.version, cls.title = info.code, info.version, info.title

    def config(self, options: Mapping[str, Any] | None = None) -> C:
        return self.Config.model_validate(dict(options or {}))  # type: ignore[return-value]

    @abstractmethod
    def run(self, tables: GraphTables, config: C, engine: Any = None) -> list[Finding]:
        """Return this detector's findings on `tables`."""


# ---------------------------------------------------------------------------------------------
# Shared joins


def bids_with_tender(tables: GraphTables, valid_only: bool = True) -> pd.DataFrame:
    """BID rows with their item and tender: supplier, item, tender, value, unit_value, rank, won."""
    bids = tables.get("BID")
    items = tables.get("Item")[["id", "tender_id", "item_class", "unit"]].rename(columns={"id": "dst"})
    out = bids.merge(items, on="dst", how="left").rename(
        columns={"src": "supplier", "dst": "item", "tender_id": "tender"}
    )
    if valid_only:
        out = out[out["status"].fillna("valid").eq("valid")]
    out["won"] = out["won"].fillna(False).astype(bool)
    return out.reset_index(drop=True)


def winners_by_tender(tables: GraphTables) -> pd.DataFrame:
    """(tender, supplier, value) of every winning bid or award."""
    b = bids_with_tender(tables)
    won = b[b["won"]][["tender", "supplier", "item", "value"]]
    aw = tables.get("AWARDED")
    if len(aw):
        items = tables.get("Item")[["id", "tender_id"]]
        a = aw.merge(items, left_on="src", right_on="id", how="left").rename(
            columns={"tender_id": "tender", "dst": "supplier", "src": "item", "total_value": "value"}
        )[["tender", "supplier", "item", "value"]]
        won = pd.concat([won, a], ignore_index=True).drop_duplicates(["tender", "supplier", "item"])
    return won.reset_index(drop=True)
