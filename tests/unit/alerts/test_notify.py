"""Pure logic of the alerts: email building, Message-ID, matching through a RecordingRunner, the pipeline's
step bookkeeping, and the Celery app's declared options (no servers)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alerts.notify import build_email, match_alerts, message_id_for
from core.settings import Settings
from graph.runner import RecordingRunner, WriteSummary


def row(fid: str = "finding:aa", score: float = 0.9, version: int = 1) -> dict[str, Any]:
    return {"key": f"{fid}|a@b.gov.br", "finding_id": fid, "version": version, "subject_name": "OBRA DE PONTE",
            "finding": {"id": fid, "detector": "overpricing", "subject_kind": "tender", "subject_id": "tender:1",
                        "score": score, "title": "Sobrepreço", "summary": "Preço 5 vezes a mediana.",
                        "measures_json": json.dumps([{"name": "razão", "value": 5.0, "threshold": 2.0,
                                                      "comparison": ">", "unit": "x"}]),
                        "node_ids": ["tender:1", "item:1"], "details_json": json.dumps({"cpf": "12345678901"})}}


def test_email_parts_links_and_inline_picture() -> None:
    s = Settings(environment="local", api_public_url="https://api.cge.example")
    net = {"api/get_subject_network": [{"nodes": [{"id": "tender:1", "label": "Tender", "caption": "OBRA"},
                                                  {"id": "item:1", "label": "Item", "caption": "PONTE"}],
                                        "edges": [{"src": "tender:1", "dst": "item:1", "type": "HAS_ITEM"}]}]}
    msg = build_email("a@b.gov.br", [row(), row("finding:bb", 0.8, version=2)], s, RecordingRunner(answers=net),
                      "<x@licitagraph>")
    assert msg["To"] == "a@b.gov.br" and "2 alertas" in msg["Subject"] and msg["Message-ID"] == "<x@licitagraph>"
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Sobrepreço" in plain and "razão: 5,00 x (limiar > 2,00)" in plain and "(agravado)" in plain
    assert "https://api.cge.example/v1/tenders/tender:1" in plain and "Achados sobre tender:1" in html
    pngs = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(pngs) == 1  # one picture per distinct subject
    assert f"cid:{pngs[0]['Content-ID'].strip('<>')}" in html
    assert "<script" not in build_email("a@b.gov.br", [{**row(), "subject_name": "<script>x</script>"}], s, None,
                                        "<y@l>").get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_message_id_is_stable_for_the_same_pending_set() -> None:
    assert message_id_for(["a#1", "b#1"]) == message_id_for(["b#1", "a#1"])
    assert message_id_for(["a#1"]) != message_id_for(["a#2"])


def test_match_groups_by_recipient_and_claims_with_parameters() -> None:
    runner = RecordingRunner(answers={"api/v1_match_alert_findings": [
        {"recipient": "a@b.gov.br", "finding_id": "finding:1", "score": 0.9, "subscription_ids": ["s1"]},
        {"recipient": "a@b.gov.br", "finding_id": "finding:2", "score": 0.7, "subscription_ids": ["s1", "s2"]},
        {"recipient": "c@d.gov.br", "finding_id": "finding:1", "score": 0.9, "subscription_ids": ["s3"]}]})
    match_alerts(runner, "run-1")
    claims = [p for n, p in runner.calls if n == "api/v1_claim_alert_deliveries"]
    assert [c["recipient"] for c in claims] == ["a@b.gov.br", "c@d.gov.br"]
    assert [r["finding_id"] for r in claims[0]["rows"]] == ["finding:1", "finding:2"]
    assert all(c["run_id"] == "run-1" for c in claims)


class RunRunner(RecordingRunner):
    def write(self, name: str, params: Any = None) -> WriteSummary:
        super().write(name, params)
        return WriteSummary()


def test_pipeline_records_each_step_and_stops_at_a_failure(tmp_path: Any) -> None:
    from pipeline.run import PipelineError, run_pipeline

    s = Settings(environment="local", var_dir=tmp_path)
    runner = RunRunner(answers={"api/v1_get_pipeline_run": [{"run": {
        "id": "r1", "status": "queued", "steps": ["load", "detect", "gnn", "alerts"], "options_json": "{}"}}]})
    done: list[str] = []

    def ok(name: str) -> Any:
        def step(*a: Any) -> dict[str, Any]:
            done.append(name)
            return {"n": 1}

        return step

    def boom(*a: Any) -> dict[str, Any]:
        raise ValueError("no tables")

    run_pipeline("r1", s, runner, {"load": ok("load"), "detect": ok("detect"), "gnn": ok("gnn")})
    assert done == ["load", "detect", "gnn"]
    updates = [p for n, p in runner.calls if n == "api/v1_update_pipeline_run"]
    assert [u["status"] for u in updates] == ["running"] * 3 + ["succeeded"]
    assert set(json.loads(updates[-1]["timings_json"])) == {"load", "detect", "gnn"}
    runner.calls.clear()
    with pytest.raises(PipelineError, match="detect: no tables"):
        run_pipeline("r1", s, runner, {"load": ok("load"), "detect": boom, "gnn": ok("gnn")})
    last = [p for n, p in runner.calls if n == "api/v1_update_pipeline_run"][-1]
    assert last["status"] == "failed" and "no tables" in last["error"]


def test_celery_app_and_task_options() -> None:
    from pipeline import tasks
    from pipeline.celery_app import make_celery

    s = Settings(environment="local", pipeline_schedule_hour=4, pipeline_schedule_minute=30, redis_port=16379)
    app = make_celery(s)
    assert app.conf.broker_url == s.redis_url and app.conf.timezone == "America/Sao_Paulo"
    sched = app.conf.beat_schedule["daily-pipeline"]["schedule"]
    assert sched.hour == {4} and sched.minute == {30}
    send = app.tasks["licitagraph.send_alert_email"]
    assert send.acks_late and send.retry_backoff and send.retry_jitter and send.max_retries == 10
    import smtplib

    assert smtplib.SMTPException in send.autoretry_for and OSError in send.autoretry_for
    assert tasks.send_alert_email.name == "licitagraph.send_alert_email"


def _as_received(msg: Any) -> Any:
    """The email as a mail client reads it: serialized (folded, encoded) and parsed back."""
    import email
    from email import policy

    return email.message_from_bytes(msg.as_bytes(), policy=policy.default)


@pytest.mark.parametrize("n", [1, 2, 50])
def test_subject_has_single_spaces_once_sent(n: int) -> None:
    s = Settings(environment="local")
    msg = build_email("a@b.gov.br", [row(f"finding:{i:020x}") for i in range(n)], s, None, "<x@l>")
    got = _as_received(msg)["Subject"]
    assert "  " not in got and got.endswith(" de risco em compras públicas")
    assert got == msg["Subject"] and f": {n} alerta{'s' if n > 1 else ''} de risco" in got
    raw = msg.as_bytes().split(b"\n\n")[0]
    assert all(len(line) <= 78 for line in raw.splitlines())


def test_findings_header_carries_whole_ids_and_counts_the_rest() -> None:
    from alerts.notify import FINDINGS_HEADER_MAX

    s = Settings(environment="local")
    ids = [f"finding:{i:020x}" for i in range(50)]
    got = _as_received(build_email("a@b.gov.br", [row(i) for i in ids], s, None, "<x@l>"))
    value = got["X-Licitagraph-Findings"]
    listed, _, rest = value.partition("; +")
    names = listed.split(", ")
    assert names == ids[: len(names)] and 0 < len(names) < 50  # whole ids, in order
    assert int(rest) == 50 - len(names) and len(value) <= FINDINGS_HEADER_MAX
    few = _as_received(build_email("a@b.gov.br", [row(i) for i in ids[:3]], s, None, "<x@l>"))
    assert few["X-Licitagraph-Findings"] == ", ".join(ids[:3])
