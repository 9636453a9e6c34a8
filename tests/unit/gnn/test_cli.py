"""`licitagraph train` on graph tables with a ground_truth.json: labels, checkpoint and findings."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from gnn.cli import labels_from_ground_truth, train
from gnn.toy import toy_bids

CARTEL = [f"supplier:f{i}" for i in range(5)]


def _tables(root: Path) -> Path:
    bids = toy_bids(n_tenders=70, n_firms=40, cartel_size=5, cartel_share=0.35, seed=5)
    tables = root / "tables"
    tenders = sorted(bids["tender"].unique())

    def write(kind: str, name: str, df: pd.DataFrame) -> None:
        (tables / kind / name).mkdir(parents=True)
        df.to_parquet(tables / kind / name / "part-0.parquet", index=False)

    write(
        "nodes",
        "Tender",
        pd.DataFrame(
            {
                "id": [f"tender:{t}" for t in tenders],
                "agency_id": [f"agency:{i % 3}" for i in range(len(tenders))],
                "estimated_value": 1e6,
            }
        ),
    )
    write(
        "nodes",
        "Item",
        pd.DataFrame(
            {
                "id": [f"item:{t}:1" for t in tenders],
                "tender_id": [f"tender:{t}" for t in tenders],
                "estimated_total_value": None,
            }
        ),
    )
    firms = sorted(bids["firm"].unique())
    write(
        "nodes",
        "Supplier",
        pd.DataFrame(
            {
                "id": [f"supplier:{f}" for f in firms],
                "capital": 1e5,
                "registry_status": "ATIVA",
                "in_registry": True,
            }
        ),
    )
    write(
        "rels",
        "BID",
        pd.DataFrame(
            {
                "src": "supplier:" + bids["firm"],
                "dst": "item:" + bids["tender"] + ":1",
                "src_label": "Supplier",
                "dst_label": "Item",
                "value": bids["bid"],
                "won": bids["winner"],
                "status": "valid",
            }
        ),
    )
    cartel_tenders = sorted(bids.loc[bids["label"] == 1, "tender"].unique())
    gt = {
        "cases": [
            {
                "pattern": "bid_rotation",
                "tender_ids": [f"tender:{t}" for t in cartel_tenders],
                "supplier_ids": CARTEL,
                "details": {"all_bidders": ["supplier:f30"]},
            },
            {"pattern": "overpricing", "tender_ids": ["tender:t1"], "supplier_ids": ["supplier:f20"]},
        ],
        "near_misses": [
            {"pattern": "bid_rotation", "tender_ids": ["tender:t2"], "supplier_ids": ["supplier:f21"]}
        ],
    }
    (root / "ground_truth.json").write_text(json.dumps(gt))
    return tables


def test_ground_truth_labels(tmp_path: Path) -> None:
    _tables(tmp_path)
    t, f = labels_from_ground_truth(
        tmp_path / "ground_truth.json",
        ["tender:t0", "tender:t1", "tender:t2"],
        ["supplier:f0", "supplier:f20", "supplier:f30"],
    )
    gt = json.loads((tmp_path / "ground_truth.json").read_text())
    assert t["tender:t1"] == int(
        "tender:t1" in gt["cases"][0]["tender_ids"]
    )  # overpricing alone is not collusion
    assert f.to_dict() == {
        "supplier:f0": 1,
        "supplier:f20": 0,
        "supplier:f30": 0,
    }  # details' bidders are not members


@pytest.mark.torch
def test_train_writes_checkpoint_and_findings(tmp_path: Path) -> None:
    tables = _tables(tmp_path)
    out = tmp_path / "ckpt"
    train(
        tables=tables,
        ground_truth=None,
        epochs=30,
        hidden=32,
        seed=0,
        device="cpu",
        out=out,
        findings=True,
        min_score=0.5,
    )
    meta = json.loads((out / "config.json").read_text())
    assert meta["config"]["epochs"] == 30 and meta["firm_head_trained"] is True
    assert "firm" in meta["feature_schema"] and "log_capital" in meta["feature_schema"]["firm"]
    assert len(meta["data_version"]) == 16
    found = pd.read_parquet(tables / "findings" / "part-gnn.parquet")
    assert set(found["detector"]) == {"gnn"}
    sup = found[found["subject_kind"] == "supplier"]
    # the rotating cartel's members are the suppliers the firm head flags
    assert len(sup) and set(sup.nlargest(3, "score")["subject_id"]) <= set(CARTEL)
