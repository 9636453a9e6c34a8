"""Tiny hand-made graph tables for detector tests: pandas frames with exactly the core/tables.py columns."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# the helpers module sits next to this file; test modules import it too (`from detector_kit import bid`)
sys.path.insert(0, str(Path(__file__).parent))
from detector_kit import frame

from detectors.base import GraphTables

Builder = Callable[..., GraphTables]


@pytest.fixture()
def graph() -> Builder:
    def build(**tables: list[dict[str, Any]]) -> GraphTables:
        return GraphTables.from_frames(**{name: frame(name, rows) for name, rows in tables.items()})

    return build
