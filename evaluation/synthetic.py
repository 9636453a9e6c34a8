"""`licitagraph evaluate --format synth`: recall and precision of the detectors on a synthetic world's
planted cases (ground_truth.json, docs/synth.md) from the findings table of a `detect` run.

A finding matches a case when its subject is one of the case's tenders or items (tender/item subjects) or
suppliers (supplier subjects), or, for agency subjects, when its evidence names one of the case's tenders.
Recall of a pattern = cases matched by a finding of one of the pattern's detectors; precision of a
detector = its findings that match a case of any of its patterns (or of a related pattern that legitimately
explains the finding, `RELATED_PATTERNS`). Near misses matched count as false alarms. Cases and near misses
that carry a `band` (where they sit relative to the rule's boundary: far, just_past, just_short, far_short;
synth/boundaries.py) are also counted per band.

The synthetic world is a smoke test of the pipeline, not evidence of detection quality (docs/evaluation.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from detectors.registry import pattern_detectors

# planted pattern -> detectors expected to find it, declared on the detectors (DetectorInfo.patterns)
PATTERN_DETECTORS: dict[str, tuple[str, ...]] = pattern_detectors()


# planted patterns whose cases a pattern's detectors may legitimately hit: a cartel's winner bids 5-30 % above
# the fair price and a single bidder's price is checked by nobody, so an overpricing finding there (a price far
# above what other buyers pay, and an outlier within its class) is a true sobrepreço, not a false alarm
RELATED_PATTERNS: dict[str, tuple[str, ...]] = {
    "overpricing": ("cover_bidding", "bid_rotation", "single_bidder"),
}


class SynthEvalError(ValueError):
    """Missing or malformed ground truth or findings; the message says which."""


def _ids(case: dict[str, Any], *keys: str) -> set[str]:
    out: set[str] = set()
    for k in keys:
        v = case.get(k) or []
        out.update(str(x) for x in (v if isinstance(v, list | tuple) else [v]))
    return out


def matches(finding: pd.Series, case: dict[str, Any]) -> bool:
    kind, sid = finding["subject_kind"], finding["subject_id"]
    if kind in ("tender", "item"):
        return sid in _ids(case, "tender_ids", "item_ids")
    if kind == "supplier":
        return sid in _ids(case, "supplier_ids")
    nodes = set(finding["node_ids"]) if finding["node_ids"] is not None else set()
    return bool(nodes & _ids(case, "tender_ids"))


def evaluate_findings(truth: dict[str, Any], findings: pd.DataFrame) -> dict[str, Any]:
    cases = truth.get("cases")
    if not isinstance(cases, list):
        raise SynthEvalError("ground truth has no `cases` list")
    near = truth.get("near_misses") or []
    patterns = list(dict.fromkeys([*(truth.get("patterns") or []), *(c.get("pattern") for c in cases)]))
    by_detector = {d: findings[findings["detector"] == d] for d in findings["detector"].unique()}
    out_patterns = []
    for pat in patterns:
        dets = PATTERN_DETECTORS.get(str(pat), ())
        pcases = [c for c in cases if c.get("pattern") == pat]
        parts = [by_detector[d] for d in dets if d in by_detector]
        pf = pd.concat(parts) if parts else findings.iloc[:0]
        hit = [any(matches(f, c) for _, f in pf.iterrows()) for c in pcases]
        found = sum(hit)
        pnear = [c for c in near if c.get("pattern") == pat]
        flagged = [any(matches(f, c) for _, f in pf.iterrows()) for c in pnear]
        alarms = sum(flagged)
        by_band: dict[str, dict[str, int]] = {}
        for c, h in [*zip(pcases, hit, strict=True), *zip(pnear, flagged, strict=True)]:
            if c.get("band"):
                b = by_band.setdefault(str(c["band"]), {"n": 0, "flagged": 0})
                b["n"] += 1
                b["flagged"] += int(h)
        own = {p for p, ds in PATTERN_DETECTORS.items() if set(ds) & set(dets)}
        all_cases = [c for c in cases if c.get("pattern") in own | set(RELATED_PATTERNS.get(str(pat), ()))]
        tp = sum(any(matches(f, c) for c in all_cases) for _, f in pf.iterrows())
        out_patterns.append(
            {
                "pattern": pat,
                "detectors": list(dets),
                "cases": len(pcases),
                "found": int(found),
                "recall": found / len(pcases) if pcases else 0.0,
                "findings": len(pf),
                "precision": tp / len(pf) if len(pf) else None,
                "near_misses": len(pnear),
                "near_misses_flagged": int(alarms),
                "by_band": by_band,
            }
        )
    return {
        "patterns": out_patterns,
        "n_cases": len(cases),
        "n_findings": len(findings),
        "seed": truth.get("seed"),
    }


def evaluate_synth(ground_truth: Path, tables: Path, out: Path) -> dict[str, Any]:
    if not ground_truth.exists():
        raise SynthEvalError(f"ground truth {ground_truth} does not exist")
    fpath = tables / "findings"
    if not fpath.exists():
        raise SynthEvalError(
            f"no findings under {fpath}: run `licitagraph detect --tables {tables}` first (or pass --tables)"
        )
    truth = json.loads(ground_truth.read_text())
    result = evaluate_findings(truth, pd.read_parquet(fpath))
    out.mkdir(parents=True, exist_ok=True)
    (out / "synth_metrics.json").write_text(json.dumps(result, indent=2))
    return result
