"""Alert emails end to end: a real Celery worker process (the `licitagraph worker` command), the test
Redis, the test Neo4j and real SMTP servers (the services' sink, or an aiosmtpd started by the test).

- an email arrives with a plain-text and an HTML part and the network picture inline (cid:);
- SMTP down, then up: the task retries and the alert is delivered exactly once;
- the worker is killed (SIGKILL) while the SMTP server holds the message: nothing is lost or duplicated
  once a new worker picks the redelivered task up;
- a rerun of the same scoring sends nothing new; a worsened finding is sent again.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib

from core.settings import Settings
from graph.connection import driver_session
from graph.runner import Neo4jRunner
from pipeline.celery_app import MATCH_TASK, make_celery
from reporting.store import RecordsStore, init_store_schema
from tests.integration.test_api_world import seed

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


# helpers -------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(cond: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Collector:
    """aiosmtpd handler that keeps accepted messages; with `delay`, it holds DATA that long before it
    answers, and a client that disconnects meanwhile gets nothing accepted (as with any real server)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.messages: list[bytes] = []
        self.in_data = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.in_data.set()
        if self.delay:
            await asyncio.sleep(self.delay)
            if server.transport is None or server.transport.is_closing():
                return "451 client went away"
        self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int, handler: Collector) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class Worker:
    """`licitagraph worker --pool solo` as a subprocess in its own process group."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "licitagraph", "worker", "--pool", "solo", "--concurrency", "1",
             "--hostname", f"test-{uuid.uuid4().hex[:6]}@%h"],
            cwd=REPO, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: "ready." in log.read_text(errors="replace") or self.proc.poll() is not None, 60,
                 "the worker to start")
        assert self.proc.poll() is None, log.read_text()[-3000:]

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture()
def alert_env(services: Any, settings: Settings, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A seeded world, an empty task queue, and the environment a worker process runs with."""
    w, items = seed(settings, tmp_path)
    r = redis_lib.Redis.from_url(settings.redis_url)
    keys: list[Any] = ["celery", "unacked", "unacked_index", *r.keys("licitagraph:alert-lock:*")]  # type: ignore[misc]
    for key in keys:
        r.delete(key)
    env = {**os.environ, "LICITAGRAPH_CELERY_VISIBILITY_TIMEOUT_S": "4", "LICITAGRAPH_SMTP_TIMEOUT_S": "5",
           "PYTHONUNBUFFERED": "1"}
    workers: list[Worker] = []

    def start(**overrides: str) -> Worker:
        wk = Worker({**env, **overrides}, tmp_path / f"worker-{len(workers)}.log")
        workers.append(wk)
        return wk

    yield {"world": w, "findings": items, "start_worker": start, "redis": r, "tmp": tmp_path}
    for wk in workers:
        wk.stop()
    for key in ("celery", "unacked", "unacked_index"):
        r.delete(key)


def subscribe(settings: Settings, email: str, **fields: Any) -> dict[str, Any]:
    with Neo4jRunner(settings) as runner:
        init_store_schema(runner)
        return RecordsStore(runner, settings.admin_api_key).create_subscription("test", {
            "email": email, "agency_ids": [], "detectors": [], "supplier_ids": [], "min_risk": 0.75, "active": True,
            **fields})


def deliveries(settings: Settings, email: str) -> list[dict[str, Any]]:
    with driver_session(settings) as session:
        return session.run("MATCH (d:AlertDelivery {recipient: $r}) RETURN d.finding_id AS finding_id, "
                           "d.status AS status, d.version AS version, d.message_id AS message_id "
                           "ORDER BY finding_id", r=email).data()


def parse(raw: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    return msg


def sink_messages(settings: Settings, email: str) -> list[EmailMessage]:
    out = []
    for p in sorted(settings.mail_dir.glob("*.eml")):
        msg = parse(p.read_bytes())
        if msg["To"] == email:
            out.append(msg)
    return out


def enqueue_match(settings: Settings, run_id: str) -> None:
    make_celery(settings).send_task(MATCH_TASK, args=[run_id])


# tests ---------------------------------------------------------------------------------------------------
def test_email_has_text_html_and_inline_picture_and_rerun_sends_nothing(alert_env: dict[str, Any],
                                                                      settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app

    email = f"auditor-{uuid.uuid4().hex[:8]}@cge.go.gov.br"
    subscribe(settings, email)
    expected = sorted(f.id for f in alert_env["findings"] if f.score >= 0.75)
    assert len(expected) == 3
    alert_env["start_worker"]()
    admin = {"X-API-Key": settings.admin_api_key}
    with TestClient(create_app(settings)) as api:  # the pipeline's `alerts` step, started from the API
        run = api.post("/v1/pipeline/runs", json={"steps": ["alerts"]}, headers=admin).json()
        wait_for(lambda: api.get(f"/v1/pipeline/runs/{run['id']}", headers=admin).json()["status"] == "succeeded",
                 60, "the pipeline run to succeed")
        msgs = wait_for(lambda: sink_messages(settings, email), 60, "the alert email")
        history = api.get("/v1/alerts", params={"recipient": email}, headers=admin).json()
    assert len(msgs) == 1
    msg = msgs[0]
    assert "3 alertas de risco" in msg["Subject"]
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    plain, markup = text.get_content(), html.get_content()
    assert "Pontuação de risco" in plain and "Por que importa" in plain and "Concorrentes com telefone em comum" in plain
    # one case per group of findings, each with a signed link to its case page that the API accepts
    from reporting.links import verify_case_link

    links = re.findall(r"/console/cases/([^?\s]+)\?exp=(\d+)&sig=(\w+)", plain)
    assert links and all(verify_case_link(settings, fid, exp, sig) for fid, exp, sig in links)
    assert {fid for fid, _, _ in links} <= set(expected)
    assert f"{settings.api_public_url}/v1/" not in plain + markup and "No Neo4j Bloom, pesquise: " in plain
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert images, "no inline picture"
    for img in images:
        cid = img["Content-ID"].strip("<>")
        assert f"cid:{cid}" in markup
        assert img.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [d["status"] for d in deliveries(settings, email)] == ["sent"] * 3
    assert sorted(d["finding_id"] for d in deliveries(settings, email)) == expected
    assert history["total"] == 3 and {i["status"] for i in history["items"]} == {"sent"}
    assert {d["message_id"] for d in deliveries(settings, email)} == {msg["Message-ID"]}

    # the same scoring again: nothing new to send
    enqueue_match(settings, "rerun")
    time.sleep(4)
    assert len(sink_messages(settings, email)) == 1
    assert [d["version"] for d in deliveries(settings, email)] == [1, 1, 1]

    # a finding that worsened is sent again, alone
    worse = next(f for f in alert_env["findings"] if f.score == 0.8)
    with driver_session(settings) as session:
        session.run("MATCH (f:Finding {id: $id}) SET f.score = 0.92", id=worse.id).consume()
    enqueue_match(settings, "worse")
    msgs = wait_for(lambda: (m := sink_messages(settings, email)) and len(m) == 2 and m, 30, "the worsened alert")
    second = next(m for m in msgs if m["Message-ID"] != msg["Message-ID"])
    assert "1 alerta de risco" in second["Subject"] and "agravado" in second.get_body(("plain",)).get_content()


def test_smtp_down_then_up_delivers_once(alert_env: dict[str, Any], settings: Settings) -> None:
    email = f"down-{uuid.uuid4().hex[:8]}@cge.go.gov.br"
    subscribe(settings, email, min_risk=0.9)
    port = free_port()
    alert_env["start_worker"](LICITAGRAPH_SMTP_PORT=str(port))
    enqueue_match(settings, "smtp-down")
    wait_for(lambda: len(deliveries(settings, email)) == 2, 30, "pending deliveries")
    time.sleep(3)  # the send task fails (connection refused) and retries with backoff
    assert {d["status"] for d in deliveries(settings, email)} == {"pending"}
    handler = Collector()
    with SmtpServer(port, handler):
        wait_for(lambda: {d["status"] for d in deliveries(settings, email)} == {"sent"}, 90, "delivery after retry")
        time.sleep(3)
        assert len(handler.messages) == 1
    assert parse(handler.messages[0])["To"] == email


def test_worker_killed_during_send_loses_and_duplicates_nothing(alert_env: dict[str, Any],
                                                                settings: Settings) -> None:
    email = f"kill-{uuid.uuid4().hex[:8]}@cge.go.gov.br"
    subscribe(settings, email, min_risk=0.9)
    port = free_port()
    handler = Collector(delay=6.0)
    with SmtpServer(port, handler):
        first = alert_env["start_worker"](LICITAGRAPH_SMTP_PORT=str(port))
        enqueue_match(settings, "kill")
        assert handler.in_data.wait(60), "the worker never reached DATA"
        first.kill()  # mid-send: the server has the message but has not accepted it
        time.sleep(handler.delay + 0.5)
        assert handler.messages == []
        assert {d["status"] for d in deliveries(settings, email)} == {"pending"}
        handler.delay = 0.0
        alert_env["start_worker"](LICITAGRAPH_SMTP_PORT=str(port))  # the redelivered task sends it
        wait_for(lambda: {d["status"] for d in deliveries(settings, email)} == {"sent"}, 120, "redelivered send")
        time.sleep(5)  # nothing else arrives
        assert len(handler.messages) == 1
    assert len(deliveries(settings, email)) == 2


def test_demo_sends_through_the_sink(alert_env: dict[str, Any], settings: Settings) -> None:
    from pipeline.demo_alerts import DEMO_RECIPIENT, send_demo_alerts

    before = set(settings.mail_dir.glob("*.eml"))
    paths = send_demo_alerts(settings)
    assert len(paths) == 1 and paths[0] not in before and paths[0].exists()
    msg = parse(paths[0].read_bytes())
    assert msg["To"] == DEMO_RECIPIENT and msg.get_body(("html",)) is not None
    assert send_demo_alerts(settings) == []  # already sent


def test_gnn_finding_is_withheld_counted_in_the_footer_and_not_owed_again(alert_env: dict[str, Any],
                                                                          settings: Settings) -> None:
    """A GNN finding has no explanation in words yet: the email leaves it out and says so; its delivery is
    `withheld` (with the email's Message-ID), and the next matching does not owe it again."""
    from core import findings_io
    from core.domain import Evidence, Finding, Measure, Subject, SubjectKind
    from graph.findings import write_findings_with

    email = f"gnn-{uuid.uuid4().hex[:8]}@cge.go.gov.br"
    subscribe(settings, email)
    tender = alert_env["world"].planted["shared_partner"]["tender"]
    gnn = Finding(detector="gnn", detector_version="0.3.0", subject=Subject(kind=SubjectKind.TENDER, id=tender),
                  score=0.99, title="Padrão de conluio na rede de lances (GNN)",
                  evidence=Evidence(summary="O modelo de grafo estima 99% de probabilidade de conluio.",
                                    measures=(Measure(name="gnn_probability", value=0.99, threshold=0.5,
                                                      comparison=">="),), node_ids=(tender,)))
    tables = alert_env["tmp"] / "tables"
    findings_io.write_findings([gnn], findings_io.findings_dir(tables) / "part-gnn.parquet")
    with Neo4jRunner(settings) as runner:
        write_findings_with(runner, tables)
    alert_env["start_worker"]()
    enqueue_match(settings, "gnn")
    msg = wait_for(lambda: sink_messages(settings, email), 60, "the alert email")[0]
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "3 alertas de risco" in msg["Subject"] and gnn.id not in msg["X-Licitagraph-Findings"]
    assert "1 achado do modelo de rede neural ficou fora deste e-mail" in plain and "GNN" not in plain
    wait_for(lambda: len({d["status"] for d in deliveries(settings, email)}) == 2, 30, "the deliveries marked")
    by_id = {d["finding_id"]: d for d in deliveries(settings, email)}
    assert by_id[gnn.id]["status"] == "withheld" and by_id[gnn.id]["message_id"] == msg["Message-ID"]
    assert sorted(d["status"] for d in by_id.values()) == ["sent"] * 3 + ["withheld"]
    enqueue_match(settings, "gnn-again")
    time.sleep(4)
    assert len(sink_messages(settings, email)) == 1




def test_beat_schedules_the_pipeline_and_the_worker_records_the_run(alert_env: dict[str, Any],
                                                                    settings: Settings) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo(settings.timezone))
    at = now + timedelta(minutes=1 if now.second < 45 else 2)
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: each source's harvest fails at once
    env = {"LICITAGRAPH_PIPELINE_SCHEDULE_HOUR": str(at.hour), "LICITAGRAPH_PIPELINE_SCHEDULE_MINUTE": str(at.minute),
           "LICITAGRAPH_VAR_DIR": str(alert_env["tmp"] / "var"),  # no sources there
           "LICITAGRAPH_HARVEST_PNCP_URL": closed, "LICITAGRAPH_HARVEST_SANCOES_URL": closed,
           "LICITAGRAPH_HARVEST_RETRIES": "0"}
    alert_env["start_worker"](**env)
    log = alert_env["tmp"] / "beat.log"
    beat = subprocess.Popen([sys.executable, "-m", "licitagraph", "beat"], cwd=REPO,
                            env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        def beat_run() -> dict[str, Any] | None:
            with driver_session(settings) as session:
                rec = session.run("MATCH (r:PipelineRun {requested_by: 'beat'}) WHERE r.status IN ['failed', "
                                  "'succeeded'] RETURN r {.*} AS r").single()
            return rec["r"] if rec else None

        run = wait_for(beat_run, 180, "the scheduled run", every=1.0)
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(15)
    assert run["steps"] == ["harvest", "etl", "load", "detect", "gnn", "alerts"]
    # a harvest that fails does not stop the run: it is recorded, and the other steps run on what there is
    # (nothing here: empty tables, no findings)
    assert run["status"] == "succeeded", run.get("error")
    assert set(json.loads(run["timings_json"])) == {"harvest", "etl", "load", "detect", "gnn"}
    counts = json.loads(run["counts_json"])
    assert counts["harvest"]["failed"] == ["pncp", "sancoes"] and counts["detect"]["findings"] == 0


def test_pipeline_run_loads_detects_scores_and_alerts(alert_env: dict[str, Any], settings: Settings) -> None:
    from pipeline.celery_app import PIPELINE_TASK

    email = f"pipeline-{uuid.uuid4().hex[:8]}@cge.go.gov.br"
    subscribe(settings, email, min_risk=0.0, detectors=["sanctioned_winner"])
    tables = alert_env["tmp"] / "tables"
    run_id = f"test-{uuid.uuid4().hex[:8]}"
    with Neo4jRunner(settings) as runner:
        RecordsStore(runner, settings.admin_api_key).create_run(run_id, ["load", "detect", "gnn", "alerts"],
                                                           {"tables": str(tables)}, "test")
    alert_env["start_worker"](LICITAGRAPH_VAR_DIR=str(alert_env["tmp"] / "var"))  # no GNN checkpoint there
    make_celery(settings).send_task(PIPELINE_TASK, args=[run_id])

    def finished() -> dict[str, Any] | None:
        with Neo4jRunner(settings) as runner:
            run = RecordsStore(runner, settings.admin_api_key).get_run(run_id)
        return run if run and run["status"] in ("succeeded", "failed") else None

    run = wait_for(finished, 240, "the pipeline run", every=1.0)
    assert run["status"] == "succeeded", run.get("error")
    import json

    timings, counts = json.loads(run["timings_json"]), json.loads(run["counts_json"])
    assert set(timings) == {"load", "detect", "gnn"} and all(v >= 0 for v in timings.values())
    assert counts["detect"]["findings"] > 0 and "skipped" in counts["gnn"]
    with driver_session(settings) as session:
        got = session.run("MATCH (f:Finding {detector: 'sanctioned_winner', run_id: $r}) "
                          "RETURN f.subject_id AS subject, f.node_ids AS nodes", r=run_id).data()
    planted = alert_env["world"].planted["sanctioned_winner"]["supplier"]
    assert got and any(planted == g["subject"] or planted in (g["nodes"] or []) for g in got), got
    msg = wait_for(lambda: sink_messages(settings, email), 60, "the alert email of the run")[0]
    assert "sancionado" in msg.get_body(("plain",)).get_content().lower()


def test_verdicts_gate_alerts(services: Any, settings: Settings, tmp_path: Path) -> None:
    """docs/verdicts.md: a verdict withdraws what is still owed; a dismissed finding alerts again only when its
    score rose by 0.1 or more over its score at the dismissal; a confirmed one never for the same detector
    version; a superseded one never (its pending delivery is obsolete), until the data shows it again."""
    from alerts.notify import match_alerts
    from core import findings_io
    from core.domain import Evidence
    from graph.findings import write_findings
    from graph.verdicts import record_verdict

    _, items = seed(settings, tmp_path)
    _phone, partner, over, sanc, frac, cob = items
    email = f"verdicts-{uuid.uuid4().hex[:8]}@cge.go.gov.br"
    subscribe(settings, email, min_risk=0.0)

    def state() -> dict[str, tuple[str, int]]:
        return {d["finding_id"]: (d["status"], d["version"]) for d in deliveries(settings, email)}

    def pending() -> set[str]:
        return {fid for fid, (st, _) in state().items() if st == "pending"}

    def set_score(fid: str, score: float) -> None:
        with driver_session(settings) as session:
            session.run("MATCH (f:Finding {id: $id}) SET f.score = $s", id=fid, s=score).consume()

    with Neo4jRunner(settings) as runner:
        def send_all() -> None:
            keys = [f"{fid}|{email}" for fid in pending()]
            runner.write("api/v1_mark_alert_deliveries", {"keys": keys, "status": "sent", "message_id": "<t@x>"})

        match_alerts(runner, "r1")
        assert pending() == {f.id for f in items}
        record_verdict(runner, sanc.id, "confirmed", "Sanção confirmada.", "ana")
        record_verdict(runner, over.id, "dismissed", "Preço de mercado.", "ana")
        record_verdict(runner, cob.id, "needs_info", "Ver atas.", "ana")
        st = state()
        assert st[sanc.id][0] == st[over.id][0] == "withdrawn" and st[cob.id][0] == "pending"
        send_all()
        match_alerts(runner, "r2")
        assert pending() == set()  # withdrawn ones are not owed again as they are
        record_verdict(runner, cob.id, "confirmed", "Rodízio confirmado.", "ana")  # at 0.4, version 1.0.0
        set_score(partner.id, 0.85)
        record_verdict(runner, partner.id, "dismissed", "Sócio em comum explicado.", "bia")  # at 0.85

        # every one of these would alert by the delivery rule alone (0.1 over the score sent): only the
        # finding nobody reviewed does
        set_score(partner.id, 0.92)  # 0.07 over its dismissal
        set_score(over.id, 0.78)  # 0.08 over its dismissal
        set_score(cob.id, 0.6)  # confirmed, same detector version
        set_score(frac.id, 0.72)  # new: 0.12 over the score sent
        match_alerts(runner, "r3")
        assert pending() == {frac.id}

        set_score(partner.id, 0.95)  # 0.1 over its dismissal: materially worse
        set_score(over.id, 0.8)
        match_alerts(runner, "r4")
        assert pending() == {frac.id, partner.id, over.id}
        assert state()[over.id] == ("pending", 2) and state()[partner.id] == ("pending", 2)
        with driver_session(settings) as session:
            session.run("MATCH (f:Finding {id: $id}) SET f.detector_version = '2.0.0'", id=cob.id).consume()
        match_alerts(runner, "r5")
        assert cob.id in pending()  # a new detector version re-opens a confirmed finding

    # a rerun where the fracionamento finding has other evidence: it is superseded and owes nothing
    tables = tmp_path / "tables"
    moved = frac.model_copy(update={"evidence": Evidence(summary=frac.evidence.summary,
                                                         node_ids=frac.evidence.node_ids[:-1])})

    def rerun(found: list[Any], run_id: str) -> None:
        findings_io.replace_dataset(findings_io.findings_frame(found, run_id), findings_io.FINDINGS,
                                    findings_io.findings_dir(tables))
        write_findings(tables, settings)

    rerun([*items[:4], moved, cob], "r6")
    assert state()[frac.id] == ("obsolete", 2)
    with Neo4jRunner(settings) as runner:
        match_alerts(runner, "r6")
        assert state()[frac.id] == ("obsolete", 2) and moved.id in pending()
        rerun(items, "r7")  # back in the data: owed again
        match_alerts(runner, "r7")
        assert state()[frac.id] == ("pending", 3)
