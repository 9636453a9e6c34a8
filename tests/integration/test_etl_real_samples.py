"""The ETL on the real source samples of ../shared/data: every record is counted, known rows come through
exactly, the tables follow core/tables.py, and a rerun on the same input changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.etl.helpers import all_tables, by_id, read, rels

# one ETL run per module fixture; slow on a busy 2-core machine
pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(1800)]

CNPJ_ZIPS = (
    "Empresas0",
    "Empresas1",
    "Estabelecimentos0",
    "Socios0",
    "Simples",
    "Municipios",
    "Qualificacoes",
    "Cnaes",
)


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.symlink_to(src)


@pytest.fixture(scope="module")
def real(shared_data: Path, spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from etl.run import run

    root = tmp_path_factory.mktemp("etl_real")
    src = root / "sources"
    fm = shared_data / "formats"
    for f in sorted((fm / "pncp" / "real_responses").glob("*.json")):
        _link(f, src / "pncp" / "contratacoes" / f.name)
    _link(
        shared_data / "brazil" / "tcerj_municipal_school_meals_bids.csv", src / "bids" / "tcerj" / "tcerj.csv"
    )
    mr = fm / "cnpj_receita" / "minha-receita_testdata"
    for name in CNPJ_ZIPS:
        _link(mr / f"{name}.zip", src / "cnpj" / f"{name}.zip")
    _link(mr / "tabmun.csv", src / "cnpj" / "tabmun.csv")
    _link(fm / "sancoes" / "ceis.csv", src / "sancoes" / "ceis" / "ceis.csv")
    _link(fm / "sancoes" / "punidas_cnep.csv", src / "sancoes" / "cnep" / "punidas_cnep.csv")
    for f in sorted((shared_data / "collusion" / "garcia2022").glob("*.csv")):
        _link(f, src / "garcia" / f.name)
    out = root / "tables"
    result = run(src, out, spark=spark)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {"src": src, "out": out, "result": result, "manifest": manifest, "data": shared_data}


def _csv_count(path: Path, encoding: str = "utf-8", sep: str = ",", header: bool = True) -> int:
    with path.open(encoding=encoding, newline="") as fh:
        return sum(1 for _ in csv.reader(fh, delimiter=sep)) - (1 if header else 0)


def _zip_count(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        text = zf.read(zf.namelist()[0]).decode("iso-8859-1")
    return sum(1 for row in csv.reader(io.StringIO(text), delimiter=";") if row)


def test_every_record_is_counted(real: dict[str, Any]) -> None:
    files = real["manifest"]["files"]
    data: Path = real["data"]
    expected = {
        "bids/tcerj/tcerj.csv": _csv_count(data / "brazil" / "tcerj_municipal_school_meals_bids.csv"),
        "sancoes/ceis/ceis.csv": _csv_count(data / "formats" / "sancoes" / "ceis.csv"),
        "sancoes/cnep/punidas_cnep.csv": _csv_count(
            data / "formats" / "sancoes" / "punidas_cnep.csv", "iso-8859-1"
        ),
    }
    for f in sorted((data / "formats" / "pncp" / "real_responses").glob("*.json")):
        expected[f"pncp/contratacoes/{f.name}"] = len(json.loads(f.read_text(encoding="utf-8")))
    for name in CNPJ_ZIPS:
        expected[f"cnpj/{name}.zip"] = _zip_count(
            data / "formats" / "cnpj_receita" / "minha-receita_testdata" / f"{name}.zip"
        )
    for f in sorted((data / "collusion" / "garcia2022").glob("*.csv")):
        expected[f"garcia/{f.name}"] = _csv_count(f)
    for rel, n in expected.items():
        assert files[rel]["read"] == n, rel
    for rel, e in files.items():
        assert e["read"] == e["accepted"] + e["rejected"], rel
        assert len(e["sha256"]) == 64
    # the real samples are clean except for the few TCE-RJ repeats and the bidders without a valid CNPJ
    assert files["pncp/contratacoes/vitoria_cnpj_27142058000126_contratacoes.json"]["rejected"] == 0
    assert files["cnpj/Estabelecimentos0.zip"]["rejected"] == 0
    assert files["cnpj/Socios0.zip"]["rejected"] == 0


def test_tables_follow_the_contract(real: dict[str, Any], spark: Any) -> None:
    from core.tables import ALL_TABLES, REJECTS
    from etl.schema import spark_schema

    out: Path = real["out"]
    for spec in (*ALL_TABLES, REJECTS):
        path = "rejects" if spec is REJECTS else spec.path
        df = read(spark, out, path)
        assert [(f.name, f.dataType) for f in df.schema] == [
            (f.name, f.dataType) for f in spark_schema(spec)
        ], spec.name
        if spec.kind == "node" and spec is not REJECTS:
            assert df.where("id is null").count() == 0
            assert df.select("id").distinct().count() == df.count(), spec.name
    assert real["result"].tables["BID"] > 18000


def test_known_values_come_through(real: dict[str, Any], spark: Any) -> None:
    out: Path = real["out"]
    tender = by_id(spark, out, "Tender")["tender:27142058000126-1-000316/2025"]
    assert tender["object"] == "AQUISIÇÃO DE MEDICAMENTO (MAYTENUS ILICIFOLIA)"
    assert (tender["estimated_value"], tender["awarded_value"]) == (33351.2, 30550.0)
    assert tender["modality_id"] == 6 and tender["batch"] == "2025-06" and tender["srp"] is False
    assert tender["published_at"] == dt.datetime(2025, 6, 17, 9, 18, 36)
    assert tender["agency_id"] == "agency:27142058000126" and tender["unit_id"] == "unit:27142058000126:1"
    assert by_id(spark, out, "Unit")["unit:27142058000126:1"]["ibge_code"] == "3205309"

    suppliers = by_id(spark, out, "Supplier")
    serpro = suppliers["supplier:33683111000280"]
    assert serpro["name"] == "SERVICO FEDERAL DE PROCESSAMENTO DE DADOS (SERPRO)"
    assert serpro["head_office"] is False and serpro["in_registry"] is True
    assert serpro["capital"] == 1061004829.23 and serpro["registry_status"] == "ATIVA"
    assert serpro["founded_on"] == dt.date(1967, 6, 30) and serpro["main_cnae"] == "6204000"
    assert serpro["secondary_cnaes"] == ["6201501", "6202300", "6203100", "6209100", "6311900"]
    assert serpro["municipality_ibge"] == "5300108" and serpro["municipality"] == "BRASILIA"
    assert serpro["simples"] is True and serpro["mei"] is False
    branch = [(r["src"], r["dst"]) for r in rels(spark, out, "BRANCH_OF")]
    assert ("supplier:33683111000280", "supplier:33683111000107") in branch

    person = by_id(spark, out, "Person")["person:220050:ANDRE_DE_CESERO"]
    assert (
        person["masked_cpf"] == "***220050**"
        and person["name"] == "ANDRE DE CESERO"
        and person["age_band"] == "6"
    )
    partner = [r for r in rels(spark, out, "PARTNER_OF") if r["src"] == "person:220050:ANDRE_DE_CESERO"]
    assert [(r["dst"], r["role_code"], r["role"], r["since"]) for r in partner] == [
        ("supplier:33683111000107", "10", "Diretor", dt.date(2016, 6, 16))
    ]

    bids = [
        r
        for r in rels(spark, out, "BID")
        if r["src"] == "supplier:19004598000115" and r["unit_value"] == 2.49
    ]
    assert len(bids) == 1
    assert (bids[0]["quantity"], bids[0]["value"], bids[0]["status"], bids[0]["won"]) == (
        14000.0,
        34860.0,
        "valid",
        False,
    )
    carrot = by_id(spark, out, "Item")[bids[0]["dst"]]
    assert (carrot["description_norm"], carrot["unit"], carrot["item_class"]) == (
        "CENOURA",
        "KG",
        "CENOURA | KG",
    )
    assert suppliers["supplier:19004598000115"]["name"] == "BAZAR IRMAOS MENDES LTDA - ME"

    sanctions = list(by_id(spark, out, "Sanction").values())
    ciro = [
        s
        for s in sanctions
        if s["subject_document"] == "***058478**" and s["end_date"] == dt.date(2021, 8, 15)
    ]
    assert (
        len(ciro) == 1 and ciro[0]["registry"] == "CEIS" and ciro[0]["subject_name"] == "CIRO ANTONIO LONGO"
    )
    fined = [r for r in rels(spark, out, "SANCTIONED") if r["src"] == "supplier:08706892000152"]
    assert len(fined) == 1
    assert by_id(spark, out, "Sanction")[fined[0]["dst"]]["fine_value"] == 21600.0

    garcia_tenders = [t for t in by_id(spark, out, "Tender") if t.startswith("tender:garcia:brazil:")]
    assert len(garcia_tenders) == 101


def test_rerun_on_the_same_input_changes_nothing(real: dict[str, Any], spark: Any) -> None:
    from etl.run import run

    out: Path = real["out"]
    before = all_tables(spark, out)
    again = run(real["src"], out, spark=spark)
    assert {f.status for f in again.files} == {"skipped"}
    assert all_tables(spark, out) == before
