"""Bad inputs: every bad record becomes a reject with its reason (or the run stops with an error naming the
file), read = accepted + rejected holds for every file, two runs give identical tables, and a new batch merges."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.etl.helpers import all_tables, by_id, read, rels

# one ETL run per module fixture; slow on a busy 2-core machine
pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(1800)]

AGENCY = "27142058000126"  # Município de Vitória, a real CNPJ with valid check digits
GENERIC_HEADER = (
    "numero_controle_pncp;orgao_cnpj;ano_compra;sequencial_compra;numero_item;fornecedor_ni;fornecedor_nome;"
    "tipo_pessoa;valor_unitario;quantidade;valor_total;situacao;vencedor;data_proposta"
)


SANCTIONED_CPF = "000.058.478-93"  # a real CEIS line (formats/sancoes/ceis.csv): a person's full CPF


def _bid(
    ni: str, unit: str, total: str, vencedor: str = "N", date: str = "2025-03-01", item: str = "1"
) -> str:
    return f";{AGENCY};2025;7;{item};{ni};EMPRESA {ni};PJ;{unit};10;{total};VALIDA;{vencedor};{date}"


def _write_sources(root: Path, shared_data: Path) -> Path:
    src = root / "sources"
    real = json.loads(
        (shared_data / "formats/pncp/real_responses/vitoria_cnpj_27142058000126_contratacoes.json").read_text(
            encoding="utf-8"
        )
    )
    good = copy.deepcopy(real[0])
    bad_cnpj = copy.deepcopy(real[1])
    bad_cnpj["orgaoEntidade"]["cnpj"] = "27142058000127"
    negative = copy.deepcopy(real[2])
    negative["valorTotalEstimado"] = -10.5
    not_number = copy.deepcopy(real[3])
    not_number["valorTotalHomologado"] = "mil reais"
    bad_date = copy.deepcopy(real[4])
    bad_date["dataPublicacaoPncp"] = "2025-02-30T10:00:00"
    page = {
        "data": [good, bad_cnpj, negative, not_number, bad_date, copy.deepcopy(good)],
        "totalRegistros": 6,
    }
    (src / "pncp/contratacoes").mkdir(parents=True)
    (src / "pncp/contratacoes/page1.json").write_text(json.dumps(page), encoding="utf-8")
    (src / "pncp/contratacoes/truncated.json").write_text(json.dumps([good])[:-40], encoding="utf-8")
    # a page cut inside its 11th record: the 10 complete ones are read, the cut one is the reject
    complete = json.dumps({"data": real[10:20]})[:-2]
    (src / "pncp/contratacoes/page_cut.json").write_text(
        complete + ", " + json.dumps(real[20])[:200], encoding="utf-8")
    (src / "pncp/contratacoes/empty.json").write_bytes(b"")
    # not JSON and not UTF-8: its reject's raw text must still be readable UTF-8
    (src / "pncp/contratacoes/latin1.json").write_bytes('{"data": [{"objetoCompra": "Aquisição'.encode("latin-1"))

    (src / "pncp/itens").mkdir(parents=True)
    env = {
        "cnpj": AGENCY,
        "ano": 2025,
        "sequencial": 7,
        "response": [
            {
                "numeroItem": 1,
                "descricao": "Caneta esferográfica azul",
                "materialOuServico": "M",
                "quantidade": 10,
                "unidadeMedida": "Unidade",
                "valorUnitarioEstimado": 2.5,
                "valorTotal": 25,
                "catalogoCodigoItem": "279314",
            },
            {
                "numeroItem": 2,
                "descricao": "Papel A4",
                "materialOuServico": "X",
                "quantidade": 1,
                "unidadeMedida": "CX",
            },
        ],
    }
    (src / "pncp/itens/itens.jsonl").write_text(
        json.dumps(env) + "\n" + json.dumps(env)[:50] + "\n", encoding="utf-8"
    )
    (src / "pncp/itens/empty.jsonl").write_bytes(b"")

    (src / "bids/generic").mkdir(parents=True)
    lines = [
        GENERIC_HEADER,
        _bid("33683111000280", "10,00", "100,00", "S"),  # 1 valid, winner
        _bid("19131243000197", "12,00", "120,00"),  # 2 valid
        _bid("33683111000281", "11,00", "110,00"),  # 3 wrong check digit
        _bid("26994533000120", "-1,00", "-10,00"),  # 4 negative price
        _bid("11222333000181", "doze", "120,00"),  # 5 not a number
        _bid("27142058000126", "13,00", "130,00", date="2025-02-30"),  # 6 impossible date
        _bid("19131243000197", "12,00", "120,00"),  # 7 duplicate of row 2
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    data += (
        _bid("33000167000101", "14,00", "140,00").replace("EMPRESA", "EMPRESA SÃO").encode("iso-8859-1")
        + b"\n"
    )  # 8
    (src / "bids/generic/bids.csv").write_bytes(data)
    (src / "bids/generic/empty.csv").write_bytes(b"")

    (src / "sancoes/ceis").mkdir(parents=True)
    (src / "sancoes/ceis/ceis.csv").write_text(
        "cnpjcpf,nome,tipo,data_final,nome_do_orgao,uf\n"
        f"{SANCTIONED_CPF},CIRO ANTONIO LONGO,Proibição - Lei de Improbidade,15/08/2021,TJSP,SP\n"
        f"{SANCTIONED_CPF},CIRO ANTONIO LONGO,Proibição - Lei de Improbidade,31/02/2021,TJSP,SP\n",
        encoding="utf-8",
    )

    (src / "cnpj").mkdir(parents=True)
    empresas = [
        '"33683111";"SERVICO FEDERAL DE PROCESSAMENTO DE DADOS (SERPRO)";"2011";"16";"1061004829,23";"05";""',
        '"19131243";"OPEN KNOWLEDGE BRASIL";"3999";"16";"abc";"05";""',
        '"26994533";"EMPRESA JOSÃ\u0089";"2011";"16";"0,00";"05";""',
    ]
    (src / "cnpj/Empresas9").write_bytes(("\n".join(empresas) + "\n").encode("iso-8859-1"))
    est = (
        '"33683111";"0002";"81";"2";"REGIONAL";"02";"20230231";"00";"";"";"19670630";"6204000";"";"AVENIDA";"L2";'
        '"601";"";"ASA NORTE";"70836900";"DF";"9701";"";"";"";"";"";"";"";"";""'
    )
    (src / "cnpj/Estabelecimentos9").write_text(est + "\n" + '"33683111";"0001"\n', encoding="iso-8859-1")
    return src


EXPECTED_REJECTS = {
    ("pncp/contratacoes/page1.json", "$.data[1]", "orgaoEntidade.cnpj"): "invalid CNPJ",
    ("pncp/contratacoes/page1.json", "$.data[2]", "valorTotalEstimado"): "negative value",
    ("pncp/contratacoes/page1.json", "$.data[3]", "valorTotalHomologado"): "not a number",
    ("pncp/contratacoes/page1.json", "$.data[4]", "dataPublicacaoPncp"): "invalid timestamp",
    ("pncp/contratacoes/page1.json", "$.data[5]", "*"): "duplicate of $.data[0]",
    ("pncp/contratacoes/truncated.json", "$", "*"): "malformed or truncated JSON",
    ("pncp/contratacoes/page_cut.json", "$.data[10]", "*"): "truncated JSON: the document ends inside record 11",
    ("pncp/contratacoes/empty.json", "$", "*"): "empty file (0 bytes)",
    ("pncp/contratacoes/latin1.json", "$", "*"): "malformed or truncated JSON",
    ("pncp/itens/empty.jsonl", "0", "*"): "empty file (0 bytes)",
    ("bids/generic/empty.csv", "0", "*"): "empty file (0 bytes)",
    ("sancoes/ceis/ceis.csv", "2", "data_final"): "invalid date",
    ("pncp/itens/itens.jsonl", "1:$.response[1]", "materialOuServico"): "not M or S",
    ("pncp/itens/itens.jsonl", "2", "*"): "malformed or truncated JSON line",
    ("bids/generic/bids.csv", "3", "fornecedor_ni"): "invalid CNPJ check digits",
    ("bids/generic/bids.csv", "4", "valor_unitario"): "negative value",
    ("bids/generic/bids.csv", "5", "valor_unitario"): "not a number",
    ("bids/generic/bids.csv", "6", "data_proposta"): "invalid date",
    ("bids/generic/bids.csv", "7", "*"): "duplicate of 2",
    ("bids/generic/bids.csv", "8", "*"): "not valid UTF-8",
    ("cnpj/Empresas9", "2", "capital_social"): "not a number",
    ("cnpj/Empresas9", "3", "*"): "wrong encoding",
    ("cnpj/Estabelecimentos9", "1", "cnpj_dv"): "invalid CNPJ check digits",
    ("cnpj/Estabelecimentos9", "2", "*"): "malformed row",
}


@pytest.fixture(scope="module")
def bad(shared_data: Path, spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from etl.run import run

    root = tmp_path_factory.mktemp("etl_bad")
    src = _write_sources(root, shared_data)
    first, second = root / "t1", root / "t2"
    r1 = run(src, first, spark=spark)
    r2 = run(src, second, spark=spark)
    return {"root": root, "src": src, "first": first, "second": second, "r1": r1, "r2": r2}


def test_each_bad_record_is_rejected_with_its_reason(bad: dict[str, Any], spark: Any) -> None:
    rows = read(spark, bad["first"], "rejects").collect()
    got = {(r["source_file"], r["location"], r["field"]): r["reason"] for r in rows}
    for key, reason in EXPECTED_REJECTS.items():
        assert key in got, (key, sorted(got))
        assert reason in got[key], (key, got[key])
    assert len(rows) == len(EXPECTED_REJECTS), sorted(got)
    empty = {k for k, reason in EXPECTED_REJECTS.items() if reason.startswith("empty file")}
    assert all(r["raw"] for r in rows if (r["source_file"], r["location"], r["field"]) not in empty)
    cut = got[("pncp/contratacoes/page_cut.json", "$.data[10]", "*")]
    assert "the 10 records before it were read" in cut


def test_rejects_are_valid_utf8_without_a_full_cpf(bad: dict[str, Any]) -> None:
    import re

    from core.delta import read_table
    from core.domain import CPF_IN_TEXT

    # pyarrow decodes every string strictly: invalid UTF-8 anywhere raises here
    rows = read_table(bad["first"], "rejects").to_pandas().to_dict("records")
    latin1 = next(r for r in rows if r["source_file"] == "pncp/contratacoes/latin1.json")
    assert latin1["raw"].startswith('{"data": [{"objetoCompra": "Aquisi') and "\ufffd" in latin1["raw"]
    ceis = next(r for r in rows if r["source_file"] == "sancoes/ceis/ceis.csv")
    assert "***058478**" in ceis["raw"] and "CIRO ANTONIO LONGO" in ceis["raw"]
    for r in rows:
        for column in ("raw", "reason"):
            assert not re.search(CPF_IN_TEXT, r[column] or ""), (r["source_file"], r["location"], r[column])


def test_read_equals_accepted_plus_rejected(bad: dict[str, Any]) -> None:
    files = json.loads((bad["first"] / "manifest.json").read_text(encoding="utf-8"))["files"]
    expected_read = {
        "pncp/contratacoes/page1.json": 6,
        "pncp/contratacoes/truncated.json": 1,
        "pncp/contratacoes/page_cut.json": 11,
        "pncp/contratacoes/empty.json": 1,
        "pncp/contratacoes/latin1.json": 1,
        "pncp/itens/empty.jsonl": 1,
        "bids/generic/empty.csv": 1,
        "sancoes/ceis/ceis.csv": 2,
        "pncp/itens/itens.jsonl": 3,
        "bids/generic/bids.csv": 8,
        "cnpj/Empresas9": 3,
        "cnpj/Estabelecimentos9": 2,
    }
    assert {k: v["read"] for k, v in files.items()} == expected_read
    for rel, e in files.items():
        assert e["read"] == e["accepted"] + e["rejected"], rel
        rejected = sum(1 for k in EXPECTED_REJECTS if k[0] == rel)
        assert e["rejected"] == rejected, rel


def test_accepted_records_reach_the_graph(bad: dict[str, Any], spark: Any) -> None:
    out = bad["first"]
    tender_id = f"tender:{AGENCY}-1-000007/2025"
    bids = sorted((r["src"], r["value"], r["rank"], r["won"]) for r in rels(spark, out, "BID"))
    assert bids == [
        ("supplier:19131243000197", 120.0, 2, False),
        ("supplier:33683111000280", 100.0, 1, True),
    ]
    items = by_id(spark, out, "Item")
    pen = items[f"item:{AGENCY}-1-000007/2025:1"]
    assert (pen["tender_id"], pen["unit"], pen["item_class"], pen["description_norm"]) == (
        tender_id,
        "UN",
        "CAT:279314",
        "CANETA ESFEROGRAFICA AZUL",
    )
    assert by_id(spark, out, "Supplier")["supplier:33683111000107"]["capital"] == 1061004829.23


def test_two_runs_give_identical_tables(bad: dict[str, Any], spark: Any) -> None:
    assert all_tables(spark, bad["first"]) == all_tables(spark, bad["second"])


def test_a_new_batch_merges_without_duplicates(bad: dict[str, Any], spark: Any) -> None:
    from etl.run import run

    out = bad["second"]
    before = all_tables(spark, out)
    more = bad["src"] / "bids/generic/bids_2.csv"
    more.write_text(
        GENERIC_HEADER
        + "\n"
        + _bid("26994533000120", "9,00", "90,00", "S")
        + "\n"
        + _bid("19131243000197", "12,00", "120,00")
        + "\n",
        encoding="utf-8",
    )
    try:
        result = run(bad["src"], out, spark=spark)
    finally:
        more.unlink()
    assert {f.rel for f in result.files if f.status == "processed"} == {"bids/generic/bids_2.csv"}
    bids = sorted((r["src"], r["rank"], r["source_file"]) for r in rels(spark, out, "BID"))
    assert bids == [
        ("supplier:19131243000197", 3, "bids/generic/bids_2.csv"),  # same bid again: merged, last file wins
        ("supplier:26994533000120", 1, "bids/generic/bids_2.csv"),
        ("supplier:33683111000280", 2, "bids/generic/bids.csv"),
    ]
    after = all_tables(spark, out)
    assert len(after["Supplier"]) == len(before["Supplier"]) + 1
    # the tender is unchanged, lineage included: the new bid export touched it, but PNCP (a higher-priority
    # source) described it, so its row still names a PNCP file (etl/merge.py)
    assert after["Tender"] == before["Tender"]
    lineage = {(t[-2], t[-1]) for t in after["Tender"] if t[0] == f"tender:{AGENCY}-1-000007/2025"}
    assert len(lineage) == 1 and next(iter(lineage))[0] == "pncp"
    assert next(iter(lineage))[1].startswith("pncp/")


def test_missing_columns_stop_with_the_file_name(spark: Any, tmp_path: Path) -> None:
    from etl.run import run
    from etl.sources.base import EtlInputError

    src = tmp_path / "sources"
    (src / "bids/generic").mkdir(parents=True)
    (src / "bids/generic/short.csv").write_text(
        GENERIC_HEADER.replace(";valor_total", "") + "\n", encoding="utf-8"
    )
    with pytest.raises(EtlInputError, match=r"bids/generic/short\.csv.*valor_total"):
        run(src, tmp_path / "out", spark=spark)


def test_a_failed_write_cancels_the_other_writes_and_keeps_the_old_tables(
    bad: dict[str, Any], spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    import threading
    import time

    import etl.run as pipeline

    out = tmp_path / "tables"
    shutil.copytree(bad["first"], out)
    before = all_tables(spark, out)
    first = pipeline.ALL_TABLES[0].name
    started: list[str] = []
    outcomes: list[str] = []
    failed = threading.Event()
    failed_at: list[float] = []
    lock = threading.Lock()

    def write_table(_spark: Any, _out: Path, spec: Any, *_a: Any, **_k: Any) -> bool:
        with lock:
            started.append(spec.name)
        if spec.name == first:
            time.sleep(3)  # the other writers have their Spark jobs running by now
            failed_at.append(time.monotonic())
            failed.set()
            raise RuntimeError("disk full")
        if failed.is_set():
            return False
        try:  # a job that would run for hours on one core
            spark.range(0, 1 << 40, 1, 2).selectExpr("sum(id)").collect()
            outcome = "finished"
        except Exception as e:
            outcome = "cancelled" if "cancel" in str(e).lower() else f"failed: {e}"
        with lock:
            outcomes.append(outcome)
        return False

    monkeypatch.setattr(pipeline, "_write_table", write_table)
    persisted = spark.sparkContext._jsc.getPersistentRDDs().size()
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            pipeline.run(bad["src"], out, spark=spark, rebuild=True)
        raised_after = time.monotonic() - failed_at[0]
        deadline = time.monotonic() + 60
        while len(outcomes) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        spark.sparkContext.cancelAllJobs()  # never leave a runaway job to the rest of the suite
    # the error comes back at once: no queued table is written first (at most the freed thread's next one is
    # taken, and it starts nothing), and the two writes that were running have their Spark jobs cancelled
    assert raised_after < 2.0
    assert len(started) <= pipeline.WRITE_THREADS + 1 < len(pipeline.ALL_TABLES), started
    assert outcomes == ["cancelled", "cancelled"], outcomes
    assert all_tables(spark, out) == before
    # what the failed run cached is released (a worker's session lives on)
    assert spark.sparkContext._jsc.getPersistentRDDs().size() == persisted
