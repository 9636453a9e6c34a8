"""Pure logic of the alerts: email building, Message-ID, matching through a RecordingRunner, the pipeline's
step bookkeeping, and the Celery app's declared options (no servers)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from alerts.notify import build_email, match_alerts, message_id_for
from core.settings import Settings
from graph.runner import RecordingRunner, WriteSummary


def row(fid: str = "finding:aa", score: float = 0.9, version: int = 1, subject: str = "tender:1",
        detector: str = "overpricing", nodes: tuple[str, ...] = ("tender:1", "item:1")) -> dict[str, Any]:
    return {"key": f"{fid}|a@b.gov.br", "finding_id": fid, "version": version, "subject_name": "OBRA DE PONTE",
            "finding": {"id": fid, "detector": detector, "subject_kind": "tender", "subject_id": subject,
                        "score": score, "title": "Sobrepreço", "summary": "Preço 5.12 vezes a mediana.",
                        "measures_json": json.dumps([{"name": "unit_price_ratio", "value": 5.123, "threshold": 2.0,
                                                      "comparison": ">"}]),
                        "node_ids": list(nodes), "details_json": json.dumps({"cpf": "12345678901"})}}


NET = {"api/get_finding_network": [{
    "finding_id": "finding:aa", "subject_id": "tender:1", "title": "Sobrepreço", "detector": "overpricing",
    "nodes": [{"id": "tender:1", "label": "Tender", "caption": "OBRA"}, {"id": "item:1", "label": "Item",
                                                                         "caption": "PONTE"}],
    "edges": [{"src": "tender:1", "dst": "item:1", "type": "HAS_ITEM"}]}]}


def test_email_parts_case_links_and_inline_picture() -> None:
    from reporting.links import verify_case_link

    s = Settings(environment="local", api_public_url="https://api.cge.example")
    runner = RecordingRunner(answers=NET)
    msg = build_email("a@b.gov.br", [row(), row("finding:bb", 0.8, version=2, subject="tender:2",
                                                nodes=("tender:2",))], s, runner, "<x@licitagraph>")
    assert msg["To"] == "a@b.gov.br" and "2 alertas" in msg["Subject"] and msg["Message-ID"] == "<x@licitagraph>"
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Sobrepreço" in plain and "(agravado)" in plain and "2 casos" in plain
    assert "Preço unitário em relação à mediana: 5,12 vezes (alerta acima de 2,00 vezes)" in plain
    assert "Preço 5,12 vezes a mediana." in plain and "5.12" not in plain
    # a signed link to each case page; no API link (it answers 401 in a mail client), no Bloom login page
    links = re.findall(r"https://api\.cge\.example/console/cases/([^?\s]+)\?exp=(\d+)&(?:amp;)?sig=(\w+)", html)
    assert sorted(fid for fid, _, _ in links) == ["finding:aa", "finding:bb"]
    assert all(verify_case_link(s, fid, exp, sig) for fid, exp, sig in links)
    assert "/v1/" not in plain + html and s.bloom_url not in plain + html and "Detalhe na API" not in html
    pngs = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(pngs) == 2  # one picture per case
    assert [p["id"] for _, p in runner.calls] == ["finding:aa", "finding:bb"]
    assert all(f"cid:{p['Content-ID'].strip('<>')}" in html for p in pngs)
    assert "<script" not in build_email("a@b.gov.br", [{**row(), "subject_name": "<script>x</script>"}], s, None,
                                        "<y@l>").get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_at_most_three_pictures_and_a_failing_picture_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    import reporting.pictures

    asked: list[str] = []

    def picture(runner: Any, finding_id: str, *, title: str | None = None) -> bytes | None:
        asked.append(finding_id)
        if finding_id == "finding:1":
            raise RuntimeError("drawing failed")
        return None if finding_id == "finding:2" else b"\x89PNG\r\n\x1a\nfake"

    monkeypatch.setattr(reporting.pictures, "finding_picture", picture)
    rows = [row(f"finding:{i}", 0.9 - i / 100, subject=f"tender:{i}", nodes=(f"tender:{i}",)) for i in range(8)]
    msg = build_email("a@b.gov.br", rows, Settings(environment="local"), RecordingRunner(), "<x@l>")
    assert asked == [f"finding:{i}" for i in range(5)]  # 0 drawn, 1 failed, 2 none, 3 and 4 drawn: three
    assert len([p for p in msg.walk() if p.get_content_type() == "image/png"]) == 3


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
