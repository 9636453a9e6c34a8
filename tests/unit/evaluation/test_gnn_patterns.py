"""Per-pattern recall and precision of GNN findings against planted cases, counted by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.gnn_patterns import gnn_pattern_table, markdown

TRUTH = {
    "seed": 9,
    "cases": [
        {
            "pattern": "cover_bidding",
            "tender_ids": ["tender:a"],
            "supplier_ids": ["supplier:x", "supplier:y"],
        },
        {
            "pattern": "cover_bidding",
            "tender_ids": ["tender:b"],
            "supplier_ids": ["supplier:x", "supplier:y"],
        },
        {"pattern": "shared_phone", "tender_ids": ["tender:c"], "supplier_ids": ["supplier:z"]},
        {"pattern": "overpricing", "tender_ids": ["tender:d"], "supplier_ids": ["supplier:w"]},
    ],
    "near_misses": [{"pattern": "cover_bidding", "tender_ids": ["tender:e"], "supplier_ids": []}],
}


def _findings(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"detector": d, "subject_kind": k, "subject_id": s, "node_ids": [s]} for d, k, s in rows]
    )


def test_recall_precision_and_near_misses_by_hand() -> None:
    f = _findings(
        [
            ("gnn", "tender", "tender:a"),  # cover_bidding case 1
            ("gnn", "supplier", "supplier:z"),  # shared_phone
            ("gnn", "tender", "tender:d"),  # overpricing is not collusion: a false alarm for the GNN
            ("gnn", "tender", "tender:e"),  # near miss: false alarm
            ("screens", "tender", "tender:b"),  # another detector: ignored
        ]
    )
    scores = pd.Series({"tender:a": 0.9, "tender:b": 0.2, "tender:c": 0.8, "tender:d": 0.7, "tender:e": 0.1})
    res = gnn_pattern_table(TRUTH, f, scores)
    rows = {r["pattern"]: r for r in res["patterns"]}
    assert set(rows) == {"cover_bidding", "shared_phone"}
    assert (rows["cover_bidding"]["found"], rows["cover_bidding"]["recall"]) == (1, 0.5)
    assert (
        rows["cover_bidding"]["near_misses_flagged"] == 1 and rows["cover_bidding"]["findings_matching"] == 1
    )
    assert (rows["shared_phone"]["found"], rows["shared_phone"]["recall"]) == (1, 1.0)
    assert res["n_findings"] == 4 and res["precision"] == pytest.approx(2 / 4)
    assert res["by_subject_kind"]["tender"] == {"findings": 3, "true": 1, "precision": pytest.approx(1 / 3)}
    # positives a, b, c vs negatives d, e: only (b, d) of the 6 pairs is misordered
    assert res["tender_roc_auc"] == pytest.approx(5 / 6)
    # per pattern: its tenders against those of no collusion case (d, e): a 0.9 and b 0.2 vs 0.7, 0.1
    assert rows["cover_bidding"]["tender_auc"] == pytest.approx(3 / 4)
    assert rows["shared_phone"]["tender_auc"] == 1.0
    assert "| cover_bidding | 2 | 1 | 0.50 |" in markdown(res)


def test_no_gnn_findings() -> None:
    res = gnn_pattern_table(TRUTH, _findings([("screens", "tender", "tender:a")]))
    assert res["precision"] is None and all(r["found"] == 0 for r in res["patterns"])
