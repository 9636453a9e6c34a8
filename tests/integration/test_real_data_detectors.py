"""The ETL and the market detectors on the real bid files of ../shared/data: the RJ state reader's counts
reconcile with the file, screens flags the TCE-RJ pregão checked by hand (docs/real-data.md), and a
regular group of co-bidders is measured with the joint notices counted independently from the CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core.delta import read_pandas

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(1200)]

TCERJ = "brazil/tcerj_municipal_school_meals_bids.csv"
RJ_STATE = "brazil/rj_state_part_lic.csv"


@pytest.fixture(scope="module")
def real(real_tables: Path, shared_data: Path) -> dict[str, Any]:
    """The shared ETL run over the real samples (tests/conftest.py: every test reads the same tables)."""
    return {
        "out": real_tables,
        "data": shared_data,
        "manifest": json.loads((real_tables / "manifest.json").read_text()),
    }


def test_rj_state_counts_reconcile(real: dict[str, Any]) -> None:
    path: Path = real["data"] / RJ_STATE
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    entry = real["manifest"]["files"]["bids/rj_state/rj_state.csv"]
    assert entry["read"] == len(rows) == entry["accepted"] + entry["rejected"]
    # the only problem in the file: a supplier twice on one item (first proposal and negotiated price)
    keys = [(r["COD_LICITACAO"], r["ID_ITEM"], r["CNPJCPF_FORNECEDORES"]) for r in rows]
    assert entry["rejected"] == len(keys) - len(set(keys)) > 0
    rejects = read_pandas(real["out"], "rejects")
    mine = rejects[rejects["source_file"] == "bids/rj_state/rj_state.csv"]
    assert len(mine) == entry["rejected"]
    assert mine["reason"].str.startswith("second bid of the same supplier on the same item").all()
    first = mine.sort_values("location", key=lambda s: s.astype(int)).iloc[0]
    row = rows[int(first["location"]) - 1]  # location is the 1-based data row
    assert first["raw"].startswith(f"{row['COD_LICITACAO']},")
    # one winner row kept per repeated pair: the kept rows of a repeated (tender, item, supplier) win
    bids = read_pandas(real["out"], "rels/BID")
    rj = bids[bids["source"] == "bids_rj_state"]
    assert len(rj) == entry["accepted"]
    assert rj.groupby(["src", "dst"]).size().max() == 1
    suppliers = read_pandas(real["out"], "nodes/Supplier")
    pf = suppliers[suppliers["id"].str.startswith("supplier:rj_state:") & (suppliers["person_type"] == "PF")]
    assert len(pf) == sum(r["TIPO_PESSOA"] == "FISICA" for r in rows)
    assert pf["id"].str.fullmatch(r"supplier:rj_state:\*\*\*.{6}\*\*").all()  # the natural person masked


def test_screens_flags_the_pregao_with_identical_losing_bids(real: dict[str, Any]) -> None:
    from detectors.base import GraphTables
    from detectors.screens import Screens

    tables = GraphTables.from_dir(real["out"])
    det = Screens()
    got = {f.subject.id: f for f in det.run(tables, det.config())}
    tender = "tender:bids_tcerj:584:PE38/17"
    assert tender in got
    m = {x.name: x for x in got[tender].evidence.measures}
    assert m["cover_index"].value > m["cover_index"].threshold
    assert got[tender].evidence.details["threshold_computed"] is True
    # checked by hand in the CSV: in this notice two or more losers quote the same price on most items
    d = pd.read_csv(real["data"] / TCERJ)
    edital = d["NU_EDITAL"].str.replace(r"\s+", "", regex=True)  # "PE 38/17" in the file
    notice = d[(d["CD_UNIDADE"] == 584) & (edital == "PE38/17") & (d["CD_VENCEDORPERDEDOR"] == 2)]
    tied = notice.groupby("DE_ITEMLICITACAO")["VL_UNITARIO"].agg(lambda v: v.duplicated().any())
    assert tied.mean() > 0.5
    assert m["n_items"].value >= 5


def test_a_regular_group_of_co_bidders_is_measured_with_its_joint_notices(real: dict[str, Any]) -> None:
    from detectors.base import GraphTables, bids_with_tender
    from detectors.cobidding import cover_pairs
    from detectors.screens import cover_index

    tables = GraphTables.from_dir(real["out"])
    ci = cover_index(tables)
    pairs, cut = cover_pairs(bids_with_tender(tables), ci, None)
    a, b = "supplier:05784708000102", "supplier:22368078000104"
    row = pairs[(pairs["src"] == a) & (pairs["dst"] == b)]
    assert len(row) == 1
    # the notices where both bid, counted from the CSV (valid bids: winner or loser)
    d = pd.read_csv(real["data"] / TCERJ)
    d = d[d["CD_VENCEDORPERDEDOR"].isin([1, 2])]
    d["notice"] = d["CD_UNIDADE"].astype(int).astype(str) + ":" + d["NU_EDITAL"].str.replace(" ", "")
    joint = set(d.loc[d["CD_CICPARTICIPANTE"] == int(a[-14:]), "notice"]) & set(
        d.loc[d["CD_CICPARTICIPANTE"] == int(b[-14:]), "notice"]
    )
    assert int(row["weight"].iloc[0]) == len(joint) >= 10
    assert row["weight"].iloc[0] >= cut["min_cobids"]
    # regular, but their joint auctions are not cover-like: measured, reported, not linked
    assert row["cover_items"].iloc[0] > 100
    assert not bool(row["linked"].iloc[0]) and row["cover_z"].iloc[0] < cut["cover_threshold"]
