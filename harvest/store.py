"""Where a harvester keeps its files and its progress, so that a run killed anywhere resumes.

- `atomic_write`: every file goes to a hidden temporary next to its target, is flushed to disk, then renamed
  over the target. A reader (the ETL) sees the old file or the new one, never half of one; the ETL skips
  hidden paths, so it never reads a temporary.
- `Journal`: the answers received for the unit of work in progress (one page of a window), one JSON line
  each. A resumed run answers those requests from the journal, so it re-downloads only the request that was
  in flight when the run died. The journal goes when the unit's files are written.
- `Checkpoint`: per source, which windows are complete (and how many correction batches each had).
- `RunManifest`: per run and source, what was fetched: windows, pages, records, files, errors, HTTP stats.

All of it lives under `<sources>/.harvest/`.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_DIR = ".harvest"


def atomic_write(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def atomic_json(path: Path, obj: Any) -> Path:
    return atomic_write(path, json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))


def state_dir(sources: Path, source: str) -> Path:
    return sources / STATE_DIR / source


class Journal:
    """Append-only record of the answers of one unit of work: `request key -> body text`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.answers: dict[str, str] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    rec = json.loads(line)
                except ValueError:
                    break  # the line being written when the run died
                self.answers[rec["k"]] = rec["b"]
        self.replayed = 0

    def get(self, key: str) -> str | None:
        got = self.answers.get(key)
        if got is not None:
            self.replayed += 1
        return got

    def put(self, key: str, body: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"k": key, "b": body}, ensure_ascii=False) + "\n")
        self.answers[key] = body

    def drop(self) -> None:
        self.path.unlink(missing_ok=True)


class Checkpoint:
    """The windows of one source already complete: `{"windows": {key: {...}}}` in `<state>/checkpoint.json`."""

    def __init__(self, sources: Path, source: str) -> None:
        self.path = state_dir(sources, source) / "checkpoint.json"
        self.data: dict[str, Any] = {"windows": {}}
        if self.path.exists():
            self.data = json.loads(self.path.read_text(encoding="utf-8"))
            self.data.setdefault("windows", {})

    def done(self, key: str) -> bool:
        return bool(self.data["windows"].get(key, {}).get("complete"))

    def entry(self, key: str) -> dict[str, Any]:
        got: dict[str, Any] = self.data["windows"].setdefault(key, {})
        return got

    def mark(self, key: str, **info: Any) -> None:
        self.entry(key).update(info)
        self.save()

    def save(self) -> None:
        atomic_json(self.path, self.data)


@dataclass
class RunManifest:
    """What one harvest run of one source fetched; saved as `<sources>/.harvest/runs/<run_id>-<source>.json`."""

    run_id: str
    source: str
    started_at: str
    params: dict[str, Any] = field(default_factory=dict)
    finished_at: str | None = None
    status: str = "running"
    windows_done: list[str] = field(default_factory=list)
    windows_skipped: list[str] = field(default_factory=list)
    windows_failed: list[str] = field(default_factory=list)
    pages: int = 0
    records: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    replayed: int = 0  # answers taken from a journal instead of the network (a resumed run)
    errors: list[dict[str, Any]] = field(default_factory=list)
    http: dict[str, Any] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.records[what] = self.records.get(what, 0) + n

    def error(self, where: str, reason: str, **extra: Any) -> None:
        self.errors.append({"where": where, "reason": reason, **extra})

    def path(self, sources: Path) -> Path:
        return sources / STATE_DIR / "runs" / f"{self.run_id}-{self.source}.json"

    def save(self, sources: Path) -> Path:
        return atomic_json(self.path(sources), asdict(self))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def new_run_id() -> str:
    import uuid

    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


@contextmanager
def source_lock(sources: Path, source: str) -> Iterator[None]:
    """One harvest of a source at a time on a folder (a second one fails at once, naming the lock)."""
    import fcntl

    d = state_dir(sources, source)
    d.mkdir(parents=True, exist_ok=True)
    with (d / "lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RuntimeError(f"another harvest of {source} is running on {sources} ({d / 'lock'})") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
