"""core/findings_io.py: Finding <-> row <-> Parquet, one JSON encoding, one timestamp rule, one schema."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core import findings_io
from core.domain import Evidence, Finding, Measure, Reason, RiskScore, Subject, SubjectKind
from core.tables import FINDINGS, RISK

BRT = timezone(timedelta(hours=-3))


def finding(sid: str = "tender:1", score: float = 0.8, **kw: object) -> Finding:
    args: dict[str, object] = {
        "detector": "shared_contacts",
        "detector_version": "1.2.0",
        "subject": Subject(kind=SubjectKind.TENDER, id=sid),
        "score": score,
        "title": 'Licitantes com "sócio" em comum',
        "evidence": Evidence(
            summary="Duas empresas têm o mesmo sócio, João da Conceição; preço acima do orçamento.",
            measures=(
                Measure(name="sócios_em_comum", value=2, threshold=1, comparison=">="),
                Measure(name="preço", value=12.5, threshold=10.0, comparison=">", unit="R$/UN"),
                Measure(name="situação", value="INAPTA"),
            ),
            node_ids=("supplier:00000001000101", "supplier:00000002000102", "person:123456:JOAO"),
            details={
                "sócio": {"nome": 'JOÃO "JOCA" DA CONCEIÇÃO', "desde": "2019-03-01"},
                "n": 3,
                "ok": None,
            },
        ),
        "run_id": "r1",
        "created_at": datetime(2025, 6, 1, 9, 30, 15, 123456, tzinfo=BRT),
    }
    args.update(kw)
    return Finding(**args)  # type: ignore[arg-type]


def test_schema_is_the_specs() -> None:
    for spec, schema in ((FINDINGS, findings_io.FINDINGS_SCHEMA), (RISK, findings_io.RISK_SCHEMA)):
        assert schema.names == spec.column_names
        assert [f.nullable for f in schema] == [c.nullable for c in spec.columns]
        types = {c.name: c.type for c in spec.columns}
        for f in schema:
            expected = {
                "string": pa.string(),
                "long": pa.int64(),
                "double": pa.float64(),
                "array<string>": pa.list_(pa.string()),
                "timestamp": pa.timestamp("us"),
            }[types[f.name]]
            assert f.type == expected, f.name


def test_round_trip_finding_row_parquet_finding(tmp_path: Path) -> None:
    items = [
        finding(),
        finding("tender:2", 0.3, run_id=None),
        finding("tender:3", 1.0, evidence=Evidence(summary="")),
    ]
    path = findings_io.write_findings(items, tmp_path / "findings" / "part-00000.parquet")
    # the file has exactly the spec's schema
    assert pq.read_schema(path).remove_metadata().equals(findings_io.FINDINGS_SCHEMA)
    back = findings_io.read_findings(tmp_path / "findings")
    assert back == items
    assert [f.id for f in back] == [f.id for f in items]
    # created_at: the same instant, now in UTC
    assert back[0].created_at.tzinfo is UTC
    assert back[0].created_at == datetime(2025, 6, 1, 12, 30, 15, 123456, tzinfo=UTC)
    # row -> Finding without Parquet gives the same
    assert findings_io.finding_from_row(findings_io.finding_row(items[0])) == items[0]


def test_portuguese_text_and_quotes_survive_and_json_is_not_escaped(tmp_path: Path) -> None:
    f = finding()
    path = findings_io.write_findings([f], tmp_path / "f.parquet")
    row = pq.read_table(path).to_pylist()[0]
    assert row["title"] == 'Licitantes com "sócio" em comum'
    assert row["summary"] == f.evidence.summary
    # one encoding: ensure_ascii=False, insertion order, default=str
    assert row["details_json"] == (
        '{"sócio": {"nome": "JOÃO \\"JOCA\\" DA CONCEIÇÃO", "desde": "2019-03-01"}, "n": 3, "ok": null}'
    )
    assert "\\u" not in row["measures_json"] and '"name": "preço"' in row["measures_json"]
    assert json.loads(row["details_json"]) == f.evidence.details
    assert findings_io.read_findings(path)[0].evidence == f.evidence


def test_values_json_cannot_hold_are_written_as_text() -> None:
    f = finding(evidence=Evidence(summary="s", details={"quando": date(2025, 1, 2)}))
    assert findings_io.finding_row(f)["details_json"] == '{"quando": "2025-01-02"}'


def test_naive_created_at_is_rejected() -> None:
    f = finding(created_at=datetime(2025, 6, 1, 9, 30))
    with pytest.raises(ValueError, match="naive timestamp"):
        findings_io.finding_row(f)
    with pytest.raises(ValueError, match="naive timestamp"):
        findings_io.findings_frame([finding(), f])


def test_created_at_is_stored_as_utc_without_zone(tmp_path: Path) -> None:
    path = findings_io.write_findings([finding()], tmp_path / "f.parquet")
    col = pq.read_table(path).column("created_at")
    assert col.type == pa.timestamp("us")
    assert col[0].as_py() == datetime(2025, 6, 1, 12, 30, 15, 123456)


def test_one_row_per_id_last_wins_and_run_id_override() -> None:
    a, b = finding(score=0.2), finding("tender:2")
    a2 = finding(score=0.9)
    df = findings_io.findings_frame([a, b, a2], run_id="r9")
    assert list(df.columns) == FINDINGS.column_names
    assert list(df["id"]) == [a.id, b.id] and list(df["score"]) == [0.9, 0.8]
    assert set(df["run_id"]) == {"r9"}
    assert findings_io.findings_frame([a])["run_id"].tolist() == ["r1"]


def test_empty_tables_have_the_schema(tmp_path: Path) -> None:
    findings_io.replace_dataset(findings_io.findings_frame([]), FINDINGS, tmp_path / "findings")
    findings_io.replace_dataset(findings_io.risk_frame([], "r"), RISK, tmp_path / "risk")
    assert (
        pq.read_schema(tmp_path / "findings" / "part-00000.parquet")
        .remove_metadata()
        .equals(findings_io.FINDINGS_SCHEMA)
    )
    assert (
        pq.read_schema(tmp_path / "risk" / "part-00000.parquet")
        .remove_metadata()
        .equals(findings_io.RISK_SCHEMA)
    )
    assert findings_io.read_findings(tmp_path / "findings") == []
    assert findings_io.read_findings(tmp_path / "nowhere") == []


def test_risk_rows(tmp_path: Path) -> None:
    f = finding()
    r = RiskScore(
        subject=f.subject,
        score=0.75,
        n_findings=3,
        reasons=(Reason(detector=f.detector, finding_id=f.id, title=f.title, score=f.score, weight=0.9),),
    )
    findings_io.replace_dataset(findings_io.risk_frame([r], "r2"), RISK, tmp_path / "risk")
    df = pd.read_parquet(tmp_path / "risk")
    assert list(df.columns) == RISK.column_names and str(df["n_findings"].dtype) == "int64"
    row = df.iloc[0]
    assert (row["subject_kind"], row["subject_id"], row["score"], row["run_id"]) == (
        "tender",
        "tender:1",
        0.75,
        "r2",
    )
    assert row["reasons_json"] == (
        f'[{{"detector": "shared_contacts", "finding_id": "{f.id}", '
        '"title": "Licitantes com \\"sócio\\" em comum", "score": 0.8, "weight": 0.9}]'
    )
    rows = [r for batch in findings_io.iter_rows(tmp_path / "risk", RISK) for r in batch]
    assert rows == [{**findings_io.risk_row(r, "r2")}]


def test_reads_older_files_with_zoned_nanosecond_timestamps_and_null_run_ids(tmp_path: Path) -> None:
    """What gnn/predict.py wrote before this module: pandas' own schema (timestamp[ns, UTC], a run_id column
    typed null when every run_id was None). It reads as the same findings, next to a detect file."""
    folder = tmp_path / "findings"
    f = finding(run_id=None)
    findings_io.replace_dataset(findings_io.findings_frame([finding("tender:9")]), FINDINGS, folder)
    legacy = {
        **findings_io.finding_row(f),
        "created_at": pd.Timestamp(f.created_at).tz_convert(UTC).as_unit("ns"),
    }
    pd.DataFrame([legacy]).to_parquet(folder / "part-gnn.parquet", index=False)
    assert pq.read_schema(folder / "part-gnn.parquet").field("run_id").type == pa.null()
    back = findings_io.read_findings(folder)
    assert back == [finding("tender:9"), f]
    rows = [r for batch in findings_io.iter_rows(folder, FINDINGS) for r in batch]
    assert all(r["created_at"] == f.created_at and r["created_at"].tzinfo is UTC for r in rows)


def test_missing_required_column_is_an_error(tmp_path: Path) -> None:
    pq.write_table(pa.table({"detector": ["x"]}), tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match="required column 'id'"):
        findings_io.read_findings(tmp_path / "bad.parquet")
