"""`evaluate --format synth` matching: recall, precision and the related patterns an overpricing finding may hit."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.synthetic import evaluate_findings


def _finding(detector: str, tender: str) -> dict[str, object]:
    return {"detector": detector, "subject_kind": "tender", "subject_id": tender, "node_ids": [tender]}


def test_overpricing_on_a_cartel_or_single_bidder_tender_is_not_a_false_alarm() -> None:
    truth = {
        "seed": 1,
        "patterns": ["overpricing", "cover_bidding", "single_bidder", "short_deadline"],
        "cases": [
            {"pattern": "overpricing", "tender_ids": ["tender:o"]},
            {"pattern": "cover_bidding", "tender_ids": ["tender:c"]},
            {"pattern": "single_bidder", "tender_ids": ["tender:s"]},
            {"pattern": "short_deadline", "tender_ids": ["tender:d"]},
        ],
        "near_misses": [{"pattern": "overpricing", "tender_ids": ["tender:n"]}],
    }
    findings = pd.DataFrame(
        [_finding("overpricing", t) for t in ("tender:o", "tender:c", "tender:s", "tender:d", "tender:n")]
        + [_finding("short_deadline", "tender:c")]
    )
    got = {p["pattern"]: p for p in evaluate_findings(truth, findings)["patterns"]}
    over = got["overpricing"]
    # o (its case), c (cartel markup) and s (no competition) count; d (an unrelated planted case) and n do not
    assert (over["found"], over["findings"], over["near_misses_flagged"]) == (1, 5, 1)
    assert over["precision"] == pytest.approx(3 / 5)
    # the relation is one-way and per pattern: a short_deadline finding on a cartel tender is a false alarm
    assert got["short_deadline"]["precision"] == 0.0 and got["short_deadline"]["recall"] == 0.0


def test_cases_and_near_misses_are_counted_per_band() -> None:
    truth = {
        "seed": 1,
        "cases": [
            {"pattern": "short_deadline", "band": "far", "tender_ids": ["tender:a"]},
            {"pattern": "short_deadline", "band": "just_past", "tender_ids": ["tender:b"]},
            {"pattern": "short_deadline", "band": "just_past", "tender_ids": ["tender:c"]},
        ],
        "near_misses": [
            {"pattern": "short_deadline", "band": "just_short", "tender_ids": ["tender:n"]},
            {"pattern": "short_deadline", "band": "just_short", "tender_ids": ["tender:m"]},
        ],
    }
    findings = pd.DataFrame([_finding("short_deadline", t) for t in ("tender:a", "tender:b", "tender:m")])
    (got,) = evaluate_findings(truth, findings)["patterns"]
    assert got["by_band"] == {
        "far": {"n": 1, "flagged": 1},
        "just_past": {"n": 2, "flagged": 1},
        "just_short": {"n": 2, "flagged": 1},
    }
