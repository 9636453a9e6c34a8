"""The HeteroData built from bids and from graph tables: shapes, features, id round-trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from gnn.data import BIDS, FIRM, REV_BIDS, TENDER, from_bids, from_tables
from gnn.features import FIRM_FEATURES, TENDER_FEATURES, screens
from gnn.sampling import NeighborSampler


def _bids() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "tender": ["A", "A", "A", "B", "B", "B", "B", "C", "C", "C"],
            "firm": ["x", "y", "z", "x", "y", None, "w", None, None, None],
            "bid": [100.0, 110.0, 130.0, 200.0, 210.0, 260.0, 205.0, 50.0, 55.0, 70.0],
            "winner": [True, False, False, False, True, False, False, True, False, False],
            "label": [1, 1, 1, 0, 0, 0, 0, 1, 1, 1],
        }
    )


def test_screens_match_definitions() -> None:
    b = np.array([130.0, 100.0, 110.0, 125.0])
    s = screens(b)
    srt = np.sort(b)
    assert s["cv"] == pytest.approx(srt.std(ddof=1) / srt.mean())
    assert s["spd"] == pytest.approx(0.30)
    assert s["diffp"] == pytest.approx(0.10)
    assert s["rd"] == pytest.approx(10.0 / srt[1:].std(ddof=1))
    assert s["skew"] == pytest.approx(pd.Series(b).skew())
    assert s["kurt"] == pytest.approx(pd.Series(b).kurt())
    assert np.isnan(screens(np.array([5.0]))["cv"])


def test_from_bids_shapes_and_round_trip() -> None:
    g = from_bids(_bids())
    d = g.data
    assert g.ids[TENDER] == ["A", "B", "C"]
    # 4 named firms + 4 anonymous bids, each its own node
    assert sorted(f for f in g.ids[FIRM] if not f.startswith("anon:")) == ["w", "x", "y", "z"]
    assert sum(f.startswith("anon:") for f in g.ids[FIRM]) == 4
    assert d[TENDER].x.shape == (3, len(TENDER_FEATURES))
    assert d[FIRM].x.shape == (8, len(FIRM_FEATURES))
    assert d[BIDS].edge_index.shape == (2, 10)
    assert torch.equal(d[REV_BIDS].edge_index, d[BIDS].edge_index.flip(0))
    # id -> index -> id round-trip, and each edge joins the right firm and tender
    for nt in (TENDER, FIRM):
        assert g.id_of(nt, g.idx(nt, g.ids[nt])) == g.ids[nt]
    src, dst = d[BIDS].edge_index
    pairs = {(g.ids[FIRM][s], g.ids[TENDER][t]) for s, t in zip(src.tolist(), dst.tolist(), strict=True)}
    assert ("w", "B") in pairs and ("x", "A") in pairs and ("w", "A") not in pairs
    # the winner flag travels on the edge: in B the winner is y (not the lowest bid)
    win = d[BIDS].edge_attr[:, 2]
    winners = {
        (g.ids[FIRM][int(src[i])], g.ids[TENDER][int(dst[i])]) for i in torch.nonzero(win).flatten().tolist()
    }
    assert ("y", "B") in winners and ("x", "B") not in winners
    # anonymous firms of C are linked to C only
    anon_c = [i for i, f in enumerate(g.ids[FIRM]) if f.startswith("anon:C")]
    assert len(anon_c) == 3
    assert set(dst[torch.isin(src, torch.tensor(anon_c))].tolist()) == {g.index[TENDER]["C"]}


def test_labels_are_not_features() -> None:
    a = from_bids(_bids())
    flipped = _bids().assign(label=lambda d: 1 - d["label"])
    b = from_bids(flipped)
    for nt in a.data.node_types:
        assert torch.equal(a.data[nt].x, b.data[nt].x)
    assert a.data_version == b.data_version


def _write(root: Path, kind: str, name: str, rows: list[dict]) -> None:
    p = root / kind / name
    p.mkdir(parents=True)
    pd.DataFrame(rows).to_parquet(p / "part-0.parquet", index=False)


def test_from_tables(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "nodes",
        "Tender",
        [
            {"id": "tender:1", "agency_id": "agency:1", "estimated_value": 1000.0},
            {"id": "tender:2", "agency_id": "agency:1", "estimated_value": 500.0},
            {"id": "tender:3", "agency_id": "agency:2", "estimated_value": 10.0},
        ],
    )
    _write(
        tmp_path,
        "nodes",
        "Item",
        [
            {"id": "item:1:1", "tender_id": "tender:1", "estimated_total_value": 600.0},
            {"id": "item:1:2", "tender_id": "tender:1", "estimated_total_value": 400.0},
            {"id": "item:2:1", "tender_id": "tender:2", "estimated_total_value": None},
        ],
    )
    _write(
        tmp_path,
        "nodes",
        "Supplier",
        [
            {
                "id": f"supplier:{i}",
                "capital": 1000.0 * i,
                "founded_on": pd.Timestamp("2020-01-01").date(),
                "registry_status": "ATIVA" if i != 3 else "BAIXADA",
                "simples": True,
                "mei": False,
                "in_registry": True,
                "person_type": "PJ",
            }
            for i in (1, 2, 3)
        ],
    )
    bids = []
    for item, vals in (
        ("item:1:1", [500, 520, 580]),
        ("item:1:2", [300, 330, 390]),
        ("item:2:1", [450, 470, 480]),
    ):
        for i, v in enumerate(vals, start=1):
            bids.append(
                {
                    "src": f"supplier:{i}",
                    "dst": item,
                    "src_label": "Supplier",
                    "dst_label": "Item",
                    "value": float(v),
                    "rank": i,
                    "won": i == 1,
                    "status": "valid",
                }
            )
    bids.append(
        {
            "src": "supplier:3",
            "dst": "item:2:1",
            "src_label": "Supplier",
            "dst_label": "Item",
            "value": 1.0,
            "rank": None,
            "won": False,
            "status": "disqualified",
        }
    )
    _write(tmp_path, "rels", "BID", bids)
    _write(
        tmp_path,
        "rels",
        "PARTNER_OF",
        [
            {"src": "person:1", "dst": "supplier:1", "src_label": "Person", "dst_label": "Supplier"},
            {"src": "person:1", "dst": "supplier:2", "src_label": "Person", "dst_label": "Supplier"},
            {"src": "supplier:1", "dst": "supplier:3", "src_label": "Supplier", "dst_label": "Supplier"},
        ],
    )
    _write(
        tmp_path,
        "rels",
        "HAS_PHONE",
        [
            {"src": "supplier:2", "dst": "phone:1", "src_label": "Supplier", "dst_label": "Phone"},
            {"src": "supplier:3", "dst": "phone:1", "src_label": "Supplier", "dst_label": "Phone"},
        ],
    )
    g = from_tables(tmp_path)
    d = g.data
    assert g.ids[TENDER] == ["tender:1", "tender:2", "tender:3"]  # tender:3 has no bids but stays
    assert set(g.ids[FIRM]) == {"supplier:1", "supplier:2", "supplier:3"}
    # one bid edge per (tender, supplier): tender:1 has 2 items x 3 suppliers -> 3 edges; the
    # disqualified bid is dropped
    assert d[BIDS].edge_index.size(1) == 6
    assert d["agency"].num_nodes == 2 and d["agency", "publishes", TENDER].edge_index.size(1) == 3
    assert d["person", "partner_of", FIRM].edge_index.size(1) == 2
    assert d[FIRM, "owns", FIRM].edge_index.size(1) == 2  # stored both ways
    assert g.ids["contact"] == ["phone:1"]
    assert "inactive" in g.feature_schema[FIRM]
    col = g.feature_schema[FIRM].index("inactive")
    x = d[FIRM].x[:, col]
    assert x[g.index[FIRM]["supplier:3"]] > x[g.index[FIRM]["supplier:1"]]
    assert d[TENDER].x.shape == (3, len(TENDER_FEATURES))
    assert len(g.data_version) == 16


def test_sampler_limits_fanout_and_keeps_seeds_first() -> None:
    from gnn.toy import toy_bids

    g = from_bids(toy_bids(n_tenders=80, seed=1))
    sampler = NeighborSampler(g.data, [2, 3])
    seeds = torch.tensor([5, 0, 17])
    sub = sampler.sample({TENDER: seeds}, torch.Generator().manual_seed(0))
    assert torch.equal(sub[TENDER].n_id[:3], seeds)
    # every sampled edge is an edge of the full graph
    full = {tuple(e) for e in g.data[BIDS].edge_index.t().tolist()}
    ei = sub[BIDS].edge_index
    glob = torch.stack([sub[FIRM].n_id[ei[0]], sub[TENDER].n_id[ei[1]]]).t().tolist()
    assert all(tuple(e) in full for e in glob)
    # first hop: at most 2 bidders sampled per seed tender
    deg = torch.bincount(ei[1], minlength=sub[TENDER].num_nodes)
    assert int(deg[:3].max()) <= 2 and int(deg[:3].min()) >= 1
    assert torch.equal(sub[BIDS].edge_attr, g.data[BIDS].edge_attr[sub[BIDS].e_id])
    again = sampler.sample({TENDER: seeds}, torch.Generator().manual_seed(0))
    assert torch.equal(again[BIDS].e_id, sub[BIDS].e_id)


def test_vectorized_screens_match_scalar() -> None:
    from gnn.features import SCREEN_NAMES, bid_table, tender_features

    rng = np.random.default_rng(0)
    rows = []
    for t in range(40):
        n = int(rng.integers(1, 9))
        for v in rng.lognormal(5, 0.3, n):
            rows.append({"tender": f"t{t}", "firm": None, "bid": float(v), "winner": False})
    bt = bid_table(pd.DataFrame(rows))
    tenders = [f"t{t}" for t in range(40)]
    got = tender_features(bt, tenders)[:, : len(SCREEN_NAMES)]
    for i, tid in enumerate(tenders):
        want = screens(bt.loc[bt["tender"] == tid, "bid"].to_numpy())
        exp = np.array([want[k] for k in SCREEN_NAMES])
        np.testing.assert_allclose(got[i], np.clip(np.nan_to_num(exp), -50, 50), rtol=1e-9, atol=1e-9)
