"""The digest (alerts/digest.py, alerts/notify.py): findings grouped into cases, the GNN's left out until
explained, every number Brazilian and every id readable, and `deliver` marking what it sent and withheld."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alerts import notify
from alerts.digest import (
    GNN_DETECTORS,
    MAX_CASES_IN_FULL,
    bloom_phrase,
    group_cases,
    is_explained,
    plain_words,
    readable_id,
)
from core.settings import Settings
from graph.runner import RecordingRunner


def row(fid: str, subject: str, nodes: list[str], score: float = 0.8, detector: str = "shared_contacts",
        details: dict[str, Any] | None = None, name: str | None = None, kind: str = "tender") -> dict[str, Any]:
    return {"key": f"{fid}|a@b.gov.br", "finding_id": fid, "version": 1, "subject_name": name,
            "finding": {"id": fid, "detector": detector, "subject_kind": kind, "subject_id": subject,
                        "score": score, "title": "Concorrentes com sócio em comum",
                        "summary": f"2 licitantes da mesma contratação {subject} compartilham partner.",
                        "measures_json": json.dumps([{"name": "linked_pairs", "value": 1, "threshold": 1,
                                                      "comparison": ">="}]),
                        "details_json": json.dumps(details or {}), "node_ids": nodes}}


def test_findings_sharing_a_subject_or_an_evidence_node_are_one_case() -> None:
    rows = [
        row("finding:1", "tender:1", ["tender:1", "supplier:a", "supplier:b", "agency:9"], 0.9),
        row("finding:2", "tender:2", ["tender:2", "supplier:b", "supplier:c", "agency:9"], 0.7),
        row("finding:3", "supplier:c", ["supplier:c"], 0.6, kind="supplier"),  # joins 2, hence 1
        row("finding:4", "tender:4", ["tender:4", "supplier:x", "agency:9", "unit:9:1"], 0.95),  # agency: no join
        row("finding:5", "tender:4", ["tender:4"], 0.5),  # same subject as 4
    ]
    cases = group_cases(rows)
    assert [[r["finding_id"] for r in c] for c in cases] == [["finding:4", "finding:5"],
                                                              ["finding:1", "finding:2", "finding:3"]]


def test_gnn_findings_need_an_explanation_in_words() -> None:
    assert {"gnn"} == GNN_DETECTORS
    assert "DETECTOR = \"gnn\"" in (Path(__file__).resolve().parents[3] / "gnn" / "predict.py").read_text()
    assert is_explained(row("finding:1", "tender:1", [])["finding"])
    assert not is_explained(row("finding:2", "tender:1", [], detector="gnn", details={"top_edges": []})["finding"])
    assert is_explained(row("finding:3", "tender:1", [], detector="gnn",
                            details={"explanation_pt": "Pesou o sócio comum de A e B."})["finding"])


def test_ids_and_numbers_read_as_a_brazilian_auditor_writes_them() -> None:
    assert readable_id("tender:00001001000100-1-000001/2025") == "00001001000100-1-000001/2025"
    assert readable_id("supplier:12345678000190") == "CNPJ 12.345.678/0001-90"
    assert readable_id("unit:00001003000100:1") == "1"
    assert plain_words("A unidade unit:00001003000100:1 somou R$ 80,000.00; 2 licitantes compartilham email, "
                       "phone.") == "A unidade 1 somou R$ 80.000,00; 2 licitantes compartilham e-mail, telefone."
    assert plain_words("O fornecedor venceu a contratação tender:0001-1-000014/2025.") == \
        "O fornecedor venceu a contratação 0001-1-000014/2025."


def test_bloom_phrase_is_one_of_the_perspective_phrases() -> None:
    named = row("finding:1", "supplier:12345678000190", [], name="FORNECEDOR 5 LTDA", kind="supplier")
    assert bloom_phrase([named]) == "Achados sobre FORNECEDOR 5 LTDA"
    assert bloom_phrase([row("finding:2", "tender:1", ["tender:1", "supplier:12345678000190"])]) == \
        "Rede do fornecedor 12345678000190 até 2 níveis"
    assert bloom_phrase([row("finding:3", "tender:1", ["tender:1"])]) is None


def test_more_cases_than_shown_in_full_go_to_the_table() -> None:
    s = Settings(environment="local", api_public_url="https://lg.example")
    rows = [row(f"finding:{i:02d}", f"tender:{i}", [f"tender:{i}"], 0.99 - i / 100) for i in range(13)]
    rows.append(row("finding:gnn", "tender:0", ["tender:0"], 1.0, detector="gnn"))
    digest = notify.make_digest(rows, s)
    assert len(digest.cases) == 13 and [r["finding_id"] for r in digest.withheld] == ["finding:gnn"]
    msg = notify.build_email("a@b.gov.br", rows, s, None, "<x@l>", digest)
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f"Caso {MAX_CASES_IN_FULL}:" in plain and f"Caso {MAX_CASES_IN_FULL + 1}:" not in plain
    assert "Demais casos (3)" in plain and "Demais casos (3)" in html
    assert html.count("https://lg.example/console/cases/") == 13
    assert "1 achado do modelo de rede neural ficou fora deste" in plain
    assert "13 alertas de risco" in msg["Subject"] and "finding:gnn" not in msg["X-Licitagraph-Findings"]
    assert "partner" not in plain and "tender:" not in plain


class Runner(RecordingRunner):
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(answers={"api/v1_pending_alert_deliveries": rows})


def test_deliver_marks_sent_and_withheld_after_the_server_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[Any] = []
    monkeypatch.setattr(notify, "smtp_send", lambda msg, settings: sent.append(msg))
    rows = [row("finding:1", "tender:1", ["tender:1"]), row("finding:g", "tender:1", ["tender:1"], detector="gnn")]
    runner = Runner(rows)
    out = notify.deliver("a@b.gov.br", Settings(environment="local"), runner, pictures=False)
    assert out is not None and len(sent) == 1 and out.keys == ["finding:1|a@b.gov.br"]
    marks = [p for n, p in runner.calls if n == "api/v1_mark_alert_deliveries"]
    assert [(m["keys"], m["status"]) for m in marks] == [(["finding:1|a@b.gov.br"], "sent"),
                                                         (["finding:g|a@b.gov.br"], notify.WITHHELD)]
    assert {m["message_id"] for m in marks} == {out.message_id}


def test_deliver_sends_nothing_when_only_unexplained_findings_are_owed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify, "smtp_send", lambda msg, settings: pytest.fail("nothing to send"))
    runner = Runner([row("finding:g", "tender:1", ["tender:1"], detector="gnn")])
    assert notify.deliver("a@b.gov.br", Settings(environment="local"), runner, pictures=False) is None
    marks = [p for n, p in runner.calls if n == "api/v1_mark_alert_deliveries"]
    assert [(m["keys"], m["status"]) for m in marks] == [(["finding:g|a@b.gov.br"], notify.WITHHELD)]


def test_smtp_refusal_marks_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import smtplib

    def refuse(msg: Any, settings: Any) -> None:
        raise smtplib.SMTPDataError(451, b"try later")

    monkeypatch.setattr(notify, "smtp_send", refuse)
    runner = Runner([row("finding:1", "tender:1", ["tender:1"]), row("finding:g", "tender:2", [], detector="gnn")])
    with pytest.raises(smtplib.SMTPDataError):
        notify.deliver("a@b.gov.br", Settings(environment="local"), runner, pictures=False)
    assert [n for n, _ in runner.calls if n == "api/v1_mark_alert_deliveries"] == []
