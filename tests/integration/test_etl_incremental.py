"""Incremental loading: a rerun changes nothing, a new month's batch adds to the tables without duplicating,
and a source file that changed after it was loaded has its old rows replaced (none left behind, none
counted twice), with the result equal to a fresh load of the same files up to lineage."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.etl.helpers import all_tables, by_id, rels

# a few small ETL runs in one module fixture; slow on a busy 2-core machine
pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(1800)]

AGENCY = "27142058000126"  # Município de Vitória (real CNPJ, valid check digits)
HEADER = (
    "numero_controle_pncp;orgao_cnpj;ano_compra;sequencial_compra;numero_item;fornecedor_ni;fornecedor_nome;"
    "tipo_pessoa;valor_unitario;quantidade;valor_total;situacao;vencedor;data_proposta"
)
MARCH, APRIL = "bids/generic/bids-2025-03.csv", "bids/generic/bids-2025-04.csv"
GONE = "11222333000181"  # bids only in the first version of the March file


def _tender(seq: int) -> str:
    return f"tender:{AGENCY}-1-{seq:06d}/2025"


def _item(seq: int, n: int) -> str:
    return f"item:{AGENCY}-1-{seq:06d}/2025:{n}"


def _bids(rows: list[tuple[int, int, str, str, str]], month: str) -> str:
    """rows: (sequencial, item, fornecedor_ni, unit price, vencedor)."""
    lines = [HEADER]
    for seq, item, ni, unit, won in rows:
        total = f"{float(unit.replace(',', '.')) * 10:.2f}".replace(".", ",")
        lines.append(
            f";{AGENCY};2025;{seq};{item};{ni};EMPRESA {ni};PJ;{unit};10;{total};VALIDA;{won};2025-{month}-20"
        )
    return "\n".join(lines) + "\n"


MARCH_V1 = [
    (1, 1, "33683111000280", "10,00", "S"),
    (1, 1, "19131243000197", "12,00", "N"),
    (1, 1, GONE, "13,00", "N"),
    (1, 1, "33683111000281", "14,00", "N"),  # wrong check digit: a reject of version 1 only
    (1, 2, "33683111000280", "5,00", "N"),
    (1, 2, "19131243000197", "4,00", "S"),
    (2, 1, "26994533000120", "7,00", "S"),
    (2, 1, "19131243000197", "8,00", "N"),
]
MARCH_V2 = [
    (1, 1, "33683111000280", "10,00", "S"),
    (1, 1, "19131243000197", "9,50", "N"),  # corrected price: now the lowest
    (1, 2, "33683111000280", "5,00", "N"),
    (1, 2, "19131243000197", "4,00", "S"),
    (2, 1, "26994533000120", "7,00", "S"),
    (2, 1, "19131243000197", "8,00", "N"),
    (2, 1, "33683111000107", "7,50", "N"),  # a bid added by the correction
]
APRIL_BIDS = [
    (3, 1, "33000167000101", "20,00", "S"),
    (3, 1, "19131243000197", "21,00", "N"),
]


def _contratacoes(real: dict[str, Any], seqs: list[int], month: str) -> str:
    out = []
    for seq in seqs:
        r = copy.deepcopy(real)
        r["numeroControlePNCP"] = f"{AGENCY}-1-{seq:06d}/2025"
        r["sequencialCompra"] = seq
        r["objetoCompra"] = f"AQUISICAO DE MATERIAL {seq}"
        r["dataPublicacaoPncp"] = f"2025-{month}-05T10:00:00"
        r["dataAberturaProposta"] = f"2025-{month}-15T08:00:00"
        r["dataEncerramentoProposta"] = f"2025-{month}-19T08:00:00"
        out.append(r)
    return json.dumps({"data": out, "totalRegistros": len(out)})


def _snapshot(spark: Any, out: Path) -> dict[str, Any]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {"tables": all_tables(spark, out), "manifest": manifest}


def _props(tables: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """Every table without its lineage columns (source, source_file are the last two)."""
    return {
        name: sorted((r[:-2] for r in rows), key=repr) for name, rows in tables.items() if name != "rejects"
    }


def march_sources(shared_data: Path, root: Path) -> tuple[Path, Path, dict[str, Any]]:
    """(sources, tables, the real contratação) with March as first loaded: two real-shaped tenders of the
    Vitória PNCP response and the first version of the March bid file."""
    real = json.loads(
        (shared_data / "formats/pncp/real_responses/vitoria_cnpj_27142058000126_contratacoes.json").read_text(
            encoding="utf-8"
        )
    )[0]
    src, out = root / "sources", root / "tables"
    (src / "pncp/contratacoes").mkdir(parents=True)
    (src / "bids/generic").mkdir(parents=True)
    (src / "pncp/contratacoes/2025-03.json").write_text(_contratacoes(real, [1, 2], "03"), encoding="utf-8")
    (src / MARCH).write_text(_bids(MARCH_V1, "03"), encoding="utf-8")
    return src, out, real


@pytest.fixture(scope="module")
def runs(shared_data: Path, spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from etl.run import run

    root = tmp_path_factory.mktemp("etl_incremental")
    src, out, real = march_sources(shared_data, root)
    res: dict[str, Any] = {"src": src, "out": out}

    res["r1"] = run(src, out, spark=spark)
    res["s1"] = _snapshot(spark, out)
    res["r2"] = run(src, out, spark=spark)  # same input again
    res["s2"] = _snapshot(spark, out)

    (src / "pncp/contratacoes/2025-04.json").write_text(_contratacoes(real, [3], "04"), encoding="utf-8")
    (src / APRIL).write_text(_bids(APRIL_BIDS, "04"), encoding="utf-8")
    res["r3"] = run(src, out, spark=spark)  # a new month
    res["s3"] = _snapshot(spark, out)

    (src / MARCH).write_text(_bids(MARCH_V2, "03"), encoding="utf-8")
    res["r4"] = run(src, out, spark=spark)  # the March export corrected after it was loaded
    res["s4"] = _snapshot(spark, out)
    res["r5"] = run(src, out, spark=spark)
    res["s5"] = _snapshot(spark, out)

    fresh = root / "fresh"
    res["fresh"] = run(src, fresh, spark=spark)  # the same final files, loaded at once
    res["s_fresh"] = _snapshot(spark, fresh)
    return res


def _processed(result: Any) -> set[str]:
    return {f.rel for f in result.files if f.status == "processed"}


def _bid_rows(spark: Any, out: Path) -> list[tuple[Any, ...]]:
    return sorted((r["src"], r["dst"], r["value"], r["rank"], r["won"]) for r in rels(spark, out, "BID"))


def test_a_rerun_on_the_same_input_changes_nothing(runs: dict[str, Any]) -> None:
    assert _processed(runs["r1"]) == {"pncp/contratacoes/2025-03.json", MARCH}
    assert _processed(runs["r2"]) == set()
    assert runs["s2"]["tables"] == runs["s1"]["tables"]
    assert runs["s2"]["manifest"]["files"] == runs["s1"]["manifest"]["files"]
    assert runs["s5"]["tables"] == runs["s4"]["tables"]
    assert _processed(runs["r5"]) == set()


def test_a_new_month_adds_without_duplicating(runs: dict[str, Any], spark: Any) -> None:
    s1, s3 = runs["s1"]["tables"], runs["s3"]["tables"]
    assert _processed(runs["r3"]) == {"pncp/contratacoes/2025-04.json", APRIL}
    assert not runs["r3"].rebuilt
    # one new tender, one new item, two new bids, one new supplier (the other already bid in March)
    assert len(s3["Tender"]) == len(s1["Tender"]) + 1
    assert len(s3["Item"]) == len(s1["Item"]) + 1
    assert len(s3["BID"]) == len(s1["BID"]) + 2
    assert len(s3["Supplier"]) == len(s1["Supplier"]) + 1
    for name, rows in s3.items():
        if name != "rejects":
            keys = [r[:4] if name in _RELS else r[0] for r in rows]
            assert len(keys) == len(set(keys)), name
    # March's rows are untouched: same bids, same ranks
    march_bids = sorted(r for r in s1["BID"])
    assert [r for r in s3["BID"] if r[-1] == MARCH] == march_bids
    batches = {r[0]: r[-3] for r in s3["Tender"]}
    assert batches == {_tender(1): "2025-03", _tender(2): "2025-03", _tender(3): "2025-04"}
    files = runs["s3"]["manifest"]["files"]
    assert (files[MARCH]["batch"], files[APRIL]["batch"]) == (1, 2)


_RELS = {
    "PART_OF",
    "PUBLISHED",
    "MANAGED_BY",
    "HAS_ITEM",
    "BID",
    "AWARDED",
    "PARTNER_OF",
    "LOCATED_AT",
    "HAS_PHONE",
    "HAS_EMAIL",
    "SANCTIONED",
    "BRANCH_OF",
}


def test_a_changed_file_replaces_its_rows(runs: dict[str, Any], spark: Any) -> None:
    out: Path = runs["out"]
    r4 = runs["r4"]
    assert r4.rebuilt
    stats = {f.rel: f for f in r4.files}
    assert (stats[MARCH].read, stats[MARCH].accepted, stats[MARCH].rejected) == (
        len(MARCH_V2),
        len(MARCH_V2),
        0,
    )
    files = runs["s4"]["manifest"]["files"]
    assert files[MARCH]["batch"] == 3  # the corrected file is the latest batch
    assert files[APRIL]["batch"] == 2 and files["pncp/contratacoes/2025-03.json"]["batch"] == 1
    assert files[MARCH]["sha256"] != runs["s3"]["manifest"]["files"][MARCH]["sha256"]

    bids = _bid_rows(spark, out)
    assert len(bids) == len(MARCH_V2) + len(APRIL_BIDS)
    expected = {
        ("supplier:33683111000280", _item(1, 1), 100.0, 2, True),
        ("supplier:19131243000197", _item(1, 1), 95.0, 1, False),  # corrected and re-ranked
        ("supplier:33683111000280", _item(1, 2), 50.0, 2, False),
        ("supplier:19131243000197", _item(1, 2), 40.0, 1, True),
        ("supplier:26994533000120", _item(2, 1), 70.0, 1, True),
        ("supplier:19131243000197", _item(2, 1), 80.0, 3, False),
        ("supplier:33683111000107", _item(2, 1), 75.0, 2, False),
        ("supplier:33000167000101", _item(3, 1), 200.0, 1, True),
        ("supplier:19131243000197", _item(3, 1), 210.0, 2, False),
    }
    assert set(bids) == expected
    # the supplier that bid only in the first version is gone, and so is the reject of that version
    suppliers = by_id(spark, out, "Supplier")
    assert f"supplier:{GONE}" not in suppliers
    assert f"supplier:{GONE}" in {r[0] for r in runs["s3"]["tables"]["Supplier"]}
    assert "supplier:33683111000107" in suppliers
    assert [r for r in runs["s3"]["tables"]["rejects"] if r[1] == MARCH]
    assert not [r for r in runs["s4"]["tables"]["rejects"] if r[1] == MARCH]
    # April's rows survive the rebuild with their lineage
    assert {r[-1] for r in runs["s4"]["tables"]["BID"] if r[1] == _item(3, 1)} == {APRIL}
    tenders = by_id(spark, out, "Tender")
    assert sorted(tenders) == [_tender(1), _tender(2), _tender(3)]
    assert tenders[_tender(3)]["batch"] == "2025-04"


def test_a_rebuild_equals_a_fresh_load_up_to_lineage(runs: dict[str, Any]) -> None:
    assert _props(runs["s4"]["tables"]) == _props(runs["s_fresh"]["tables"])
    assert runs["s4"]["tables"]["rejects"] == runs["s_fresh"]["tables"]["rejects"]


def test_a_changed_file_needs_every_loaded_file(runs: dict[str, Any], spark: Any, tmp_path: Path) -> None:
    import shutil

    from etl.run import run
    from etl.sources.base import EtlInputError

    src, out = tmp_path / "sources", tmp_path / "tables"
    shutil.copytree(runs["src"], src)
    shutil.copytree(runs["out"], out)
    (src / APRIL).unlink()
    (src / MARCH).write_text(_bids(MARCH_V1, "03"), encoding="utf-8")
    with pytest.raises(EtlInputError, match=r"bids-2025-03\.csv.*no longer in.*bids-2025-04\.csv"):
        run(src, out, spark=spark)


def test_rebuild_drops_the_rows_of_removed_files(runs: dict[str, Any], spark: Any, tmp_path: Path) -> None:
    import shutil

    from etl.run import run

    src, out = tmp_path / "sources", tmp_path / "tables"
    shutil.copytree(runs["src"], src)
    shutil.copytree(runs["out"], out)
    (src / APRIL).unlink()
    (src / "pncp/contratacoes/2025-04.json").unlink()
    # without --rebuild a removed file keeps its rows
    kept = run(src, out, spark=spark)
    assert not kept.rebuilt and _processed(kept) == set()
    assert _tender(3) in by_id(spark, out, "Tender")

    result = run(src, out, spark=spark, rebuild=True)
    assert result.rebuilt
    assert result.dropped == [APRIL, "pncp/contratacoes/2025-04.json"]
    assert _tender(3) not in by_id(spark, out, "Tender")
    assert "supplier:33000167000101" not in by_id(spark, out, "Supplier")  # bid only in April
    assert len(_bid_rows(spark, out)) == len(MARCH_V2)
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert APRIL not in files and MARCH in files
    assert all(e["read"] == e["accepted"] + e["rejected"] for e in files.values())
    # the March tables are what a fresh load of the remaining files gives
    fresh = tmp_path / "fresh"
    run(src, fresh, spark=spark)
    assert _props(all_tables(spark, out)) == _props(all_tables(spark, fresh))
