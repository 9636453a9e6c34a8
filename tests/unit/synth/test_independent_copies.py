"""The simulator imports only core, so it keeps its own copy of the source formats and of the law's
figures. Each copy must still say what the ETL reads and what the detectors apply."""

from __future__ import annotations

from itertools import pairwise

from detectors import law as detectors_law
from etl.sources.bids import GENERIC_COLUMNS
from synth import law as synth_law
from synth.writers import GENERIC_BID_HEADER


def test_generic_bid_header_is_what_the_etl_reads() -> None:
    assert tuple(GENERIC_BID_HEADER) == tuple(GENERIC_COLUMNS)


def test_both_readings_of_the_dispensa_decrees_agree() -> None:
    assert synth_law.DISPENSA_LIMITS == detectors_law.DISPENSA_LIMITS
    # the yearly updates only ever raise the limits (a typo in either copy would likely break this)
    years = sorted(synth_law.DISPENSA_LIMITS)
    for a, b in pairwise(years):
        assert all(x < y for x, y in zip(synth_law.DISPENSA_LIMITS[a], synth_law.DISPENSA_LIMITS[b], strict=True))


def test_synth_imports_nothing_from_the_detectors() -> None:
    """The simulator plants cases from its own reading of the law: an import from detectors/ (a threshold,
    a law constant, a helper) would make the synthetic score echo the detectors back."""
    import ast
    from pathlib import Path

    import synth

    root = Path(synth.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n == "detectors" or n.startswith("detectors.")]
    assert offenders == []

