"""The verdict loop against the real Neo4j and Redis: a confirmed cartel spreads to its firms' other tenders
(`confirmed_cartel`), the review queue orders what is left, `train --verdicts` writes labels and risk weights
that the next detect labels, and a confirmation through the API starts a detect + alerts run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from core import findings_io
from core.settings import Settings
from graph.findings import write_findings
from graph.runner import Neo4jRunner
from graph.verdicts import record_verdict, review_queue
from tests.fixtures.graph_db import query

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _append(folder: Path, rows: list[dict[str, object]]) -> None:
    """Add rows to a graph table folder, in the folder's own schema (one file, swapped in)."""
    files = sorted(folder.glob("*.parquet"))
    schema = pq.read_schema(files[0])
    old = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    new = pd.concat([old, pd.DataFrame(rows)], ignore_index=True)[schema.names]
    for f in files:
        f.unlink()
    pq.write_table(pa.Table.from_pandas(new, schema=schema, preserve_index=False), folder / "part-00000.parquet")


def _other_tender_for(tables: Path, tender: str, bidder: str, honest: str) -> str:
    """A new tender, a copy of `tender`, where `bidder` (soon a confirmed member) bids against `honest`."""
    t = pd.read_parquet(tables / "nodes" / "Tender")
    row = t[t["id"] == tender].iloc[0].to_dict()
    new_id = tender + "-outra"
    _append(tables / "nodes" / "Tender", [{**row, "id": new_id}])
    items = pd.read_parquet(tables / "nodes" / "Item")
    item = items[items["tender_id"] == tender].iloc[0].to_dict()
    item_id = str(item["id"]) + "-outra"
    _append(tables / "nodes" / "Item", [{**item, "id": item_id, "tender_id": new_id}])
    bids = pd.read_parquet(tables / "rels" / "BID")
    bid = bids[bids["dst"] == item["id"]].iloc[0].to_dict()
    _append(tables / "rels" / "BID", [
        {**bid, "src": bidder, "dst": item_id, "won": True, "rank": 1, "value": 100.0},
        {**bid, "src": honest, "dst": item_id, "won": False, "rank": 2, "value": 109.0},
    ])
    return new_id


@pytest.fixture()
def loop_world(services: object, settings: Settings, tmp_path: Path) -> tuple[Path, Settings, dict[str, str]]:
    from detectors.run import run_detectors
    from graph.fresh import replace_database
    from synth.table_world import write_world

    s = settings.model_copy(update={"var_dir": tmp_path / "var"})
    tables = tmp_path / "tables"
    world, _ = write_world(tables)
    tender = world.planted["shared_partner"]["tender"]
    bidders = sorted(pd.read_parquet(tables / "rels" / "BID").merge(
        pd.read_parquet(tables / "nodes" / "Item")[["id", "tender_id"]], left_on="dst", right_on="id")
        .query("tender_id == @tender")["src"].unique())
    outsiders = sorted(set(pd.read_parquet(tables / "nodes" / "Supplier")["id"]) - set(bidders))
    other = _other_tender_for(tables, tender, bidders[0], outsiders[0])
    run_detectors(tables, run_id="detect-1", risk_weights=s.models_dir / "risk_weights.json")
    replace_database(s, tables)
    fid = query(s, "MATCH (f:Finding {subject_id: $t, detector: 'shared_contacts'}) RETURN f.id AS id", t=tender)[0]["id"]
    return tables, s, {"tender": tender, "other": other, "member": bidders[0], "finding": fid}


def test_a_confirmed_cartel_reaches_its_other_tenders_and_the_queue_and_weights_follow(loop_world) -> None:  # type: ignore[no-untyped-def]
    from detectors.run import run_detectors
    from pipeline.learn import train_from_verdicts

    tables, s, ids = loop_world
    before = query(s, "MATCH (f:Finding {detector: 'confirmed_cartel'}) RETURN count(f) AS n")[0]["n"]
    assert before == 0
    with Neo4jRunner(s) as runner:
        queue_before = [r["finding"]["id"] for r in review_queue(runner, 0.0)]
        assert ids["finding"] in queue_before
        record_verdict(runner, ids["finding"], "confirmed", "Sócio em comum confirmado na Junta.", "ana")
        learnt = train_from_verdicts(s, tables, runner)
    assert learnt.n_verdicts == 1 and learnt.n_tenders == 1 and learnt.n_firms >= 2
    assert learnt.weights_source == "prior"  # one verdict: the hand-set priors stay, and say why
    assert learnt.screens_model.startswith("no screens model")  # nothing to refit in this var folder
    weights = json.loads((s.models_dir / "risk_weights.json").read_text(encoding="utf-8"))
    assert weights["source"] == "prior" and "a priori" in weights["note"]
    assert weights["n_verdicts"] == learnt.n_tenders + learnt.n_firms  # the subjects the verdict labelled
    labels = findings_io.read_verdicts(tables)
    assert labels[["finding_id", "verdict"]].values.tolist() == [[ids["finding"], "confirmed"]]

    res = run_detectors(tables, run_id="detect-2", risk_weights=s.models_dir / "risk_weights.json")
    write_findings(tables, s)
    spread = [f for f in res.findings if f.detector == "confirmed_cartel"]
    assert [f.subject.id for f in spread] == [ids["other"]]  # the confirmed tender itself is decided already
    f = spread[0]
    assert ids["member"] in f.evidence.node_ids and "cartel confirmado" in f.evidence.summary
    assert f.evidence.details["confirmed_findings"] == [ids["finding"]]
    stored = query(s, "MATCH (f:Finding {detector: 'confirmed_cartel'})-[:ABOUT]->(t:Tender) "
                      "RETURN t.id AS t, f.status AS status, t.risk_weights_source AS w")
    assert stored == [{"t": ids["other"], "status": "new", "w": "prior"}]

    with Neo4jRunner(s) as runner:
        by_risk = review_queue(runner, 0.0)
        by_doubt = review_queue(runner, 1.0)
    got = [r["finding"]["id"] for r in by_risk]
    assert ids["finding"] not in got and f.id in got  # reviewed ones leave the queue, the new one joins
    risks = [r["risk"] for r in by_risk]
    assert risks == sorted(risks, reverse=True)
    doubts = [r["uncertainty"] for r in by_doubt]
    assert doubts == sorted(doubts, reverse=True)
    assert {r["finding"]["id"] for r in by_doubt} == set(got)


def test_the_api_queue_and_a_confirmation_that_starts_a_run(loop_world) -> None:  # type: ignore[no-untyped-def]
    from api.main import create_app
    from pipeline.celery_app import make_celery
    from reporting.store import RecordsStore

    _, s, ids = loop_world
    s = s.model_copy(update={"api_rate_limit_per_minute": 100_000, "verdict_confirm_starts_run": True})
    admin = {"X-API-Key": s.admin_api_key}
    with TestClient(create_app(s)) as client:
        inv = {"X-API-Key": client.post("/v1/keys", json={"name": "loop", "role": "investigator"},
                                        headers=admin).json()["key"]}
        q = client.get("/v1/review-queue", params={"mix": 0.25, "page_size": 100}, headers=inv)
        assert q.status_code == 200, q.text
        body = q.json()
        assert body["mix"] == 0.25 and body["weights"] == "prior" and body["total"] == len(body["items"]) > 0
        with Neo4jRunner(s) as runner:
            expected = [r["finding"]["id"] for r in review_queue(runner, 0.25)]
        assert [i["finding"]["id"] for i in body["items"]] == expected
        top = body["items"][0]
        assert top["priority"] == pytest.approx(0.75 * top["risk"] + 0.25 * top["uncertainty"], abs=1e-5)
        assert client.get("/v1/review-queue", params={"mix": 2}, headers=inv).status_code == 422

        r = client.post(f"/v1/findings/{ids['finding']}/verdict", json={"verdict": "confirmed"}, headers=inv)
        assert r.status_code == 200, r.text
        run_id = r.json()["started_run"]
        assert run_id
        after = client.get("/v1/review-queue", params={"page_size": 100}, headers=inv).json()
        assert ids["finding"] not in [i["finding"]["id"] for i in after["items"]]
    try:
        with Neo4jRunner(s) as runner:
            run = RecordsStore(runner, s.key_hash_secret).get_run(run_id)
        assert run is not None and run["steps"] == ["detect", "alerts"] and run["status"] == "queued"
    finally:
        make_celery(s).control.purge()  # no worker here: leave nothing queued for other tests


def _lifecycle(s: Settings) -> list[dict[str, object]]:
    """Every finding with its status and its whole history (status, verdict, seq), in order."""
    return query(s, "MATCH (f:Finding) OPTIONAL MATCH (f)-[:HAS_EVENT]->(h:FindingEvent) WITH f, h ORDER BY h.seq "
                    "RETURN f.id AS id, f.status AS status, collect([h.seq, h.status, h.verdict]) AS history "
                    "ORDER BY id")


def test_nothing_is_lost_when_a_worker_dies_mid_detect_or_the_pipeline_reruns(  # type: ignore[no-untyped-def]
        loop_world, tmp_path: Path) -> None:
    """A worker killed (SIGKILL) in the middle of a pipeline run's detect step: the redelivered run finishes on
    another worker and every finding, status and history entry is still there, once; a whole load + detect
    rerun changes nothing either."""
    import os

    import redis as redis_lib

    from pipeline.celery_app import PIPELINE_TASK, make_celery
    from pipeline.run import run_pipeline
    from reporting.store import RecordsStore
    from tests.integration.test_alerts import Worker, wait_for

    tables, s, ids = loop_world
    with Neo4jRunner(s) as runner:
        record_verdict(runner, ids["finding"], "confirmed", "Sócio em comum.", "ana")
        other = next(r["finding"]["id"] for r in review_queue(runner, 0.0))
        record_verdict(runner, other, "dismissed", "Explicado pelo edital.", "bia")
        record_verdict(runner, other, "needs_info", "Reaberto: pedir as atas.", "bia")
    before = _lifecycle(s)
    assert {r["id"]: r["status"] for r in before}[ids["finding"]] == "confirmed"

    r = redis_lib.Redis.from_url(s.redis_url)
    for key in ("celery", "unacked", "unacked_index"):
        r.delete(key)
    env = {**os.environ, "LICITAGRAPH_CELERY_VISIBILITY_TIMEOUT_S": "4", "PYTHONUNBUFFERED": "1",
           "LICITAGRAPH_VAR_DIR": str(s.var_dir)}
    with Neo4jRunner(s) as runner:
        store = RecordsStore(runner, s.key_hash_secret)
        store.create_run("kill-run", ["detect"], {"tables": str(tables)}, "test")
        make_celery(s).send_task(PIPELINE_TASK, args=["kill-run"])
        first = Worker(env, tmp_path / "worker-0.log")
        try:
            got = wait_for(lambda: (store.get_run("kill-run") or {}).get("step") == "detect"
                           and store.get_run("kill-run"), 120, "the run to reach detect", every=0.05)
            first.kill()
            assert got["status"] == "running"  # killed mid-step, not after the run
            killed_at = (store.get_run("kill-run") or {}).get("status")
            second = Worker(env, tmp_path / "worker-1.log")
            try:
                done = wait_for(lambda: (store.get_run("kill-run") or {}).get("status") in ("succeeded", "failed")
                                and store.get_run("kill-run"), 240, "the redelivered run")
            finally:
                second.stop()
        finally:
            first.stop()
        assert done["status"] == "succeeded", (killed_at, done)
        after = _lifecycle(s)
        known = {r["id"] for r in before}
        assert [r for r in after if r["id"] in known] == before
        # the confirmation's only consequence: the member's other tender, flagged once
        added = query(s, "MATCH (f:Finding) WHERE NOT f.id IN $known RETURN f.detector AS d, f.subject_id AS t",
                      known=sorted(known))
        assert added == [{"d": "confirmed_cartel", "t": ids["other"]}]

        store.create_run("rerun", ["load", "detect"], {"tables": str(tables)}, "test")
        run_pipeline("rerun", s, runner)
    assert _lifecycle(s) == after
