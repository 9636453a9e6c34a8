"""The end of the local demo: match the demo's findings against a default subscription and email them
through the local SMTP sink (no worker needed: the same plain functions the tasks wrap)."""

from __future__ import annotations

import logging
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

from core.settings import Settings
from graph.runner import QueryRunner

log = logging.getLogger(__name__)

DEMO_OWNER = "demo"
DEMO_RECIPIENT = "auditoria@cge.go.gov.br"
DEMO_MIN_RISK = 0.6


def _ensure_subscription(runner: QueryRunner) -> None:
    from reporting.store import RecordsStore

    store = RecordsStore(runner, "")  # no key operations here
    _total, subs = store.list_subscriptions(DEMO_OWNER, 0, 100)
    if any(s.get("email") == DEMO_RECIPIENT for s in subs):
        return
    store.create_subscription(DEMO_OWNER, {"email": DEMO_RECIPIENT, "agency_ids": [], "detectors": [],
                                           "supplier_ids": [], "min_risk": DEMO_MIN_RISK, "active": True})


def _message_ids(paths: list[Path]) -> dict[str, Path]:
    out = {}
    for p in paths:
        with p.open("rb") as fh:
            msg = BytesParser(policy=policy.default).parse(fh, headersonly=True)
        if msg["Message-ID"]:
            out[str(msg["Message-ID"])] = p
    return out


def send_demo_alerts(settings: Settings, tables: Path | None = None) -> list[Path]:
    """Deliver the demo's alert emails through the SMTP sink; returns the .eml files written.

    The demo's `detect` step writes findings to Parquet only, so the findings and risk under `tables`
    (default `<var>/demo/tables`) are loaded into Neo4j first (idempotent, graph.findings).
    """
    from alerts.notify import deliver, match_alerts
    from graph.findings import write_findings_with
    from graph.runner import Neo4jRunner
    from pipeline.enqueue import new_run_id
    from reporting.store import init_store_schema

    tables = tables or settings.var_dir / "demo" / "tables"
    sent_ids: list[str] = []
    with Neo4jRunner(settings) as runner:
        if (tables / "findings").is_dir():
            counts = write_findings_with(runner, tables)
            log.info("demo findings loaded into Neo4j: %s", counts)
        init_store_schema(runner)
        _ensure_subscription(runner)
        owed = match_alerts(runner, "demo-" + new_run_id())
        for recipient in sorted(r for r, n in owed.items() if n):
            out = deliver(recipient, settings, runner)
            if out is not None:
                sent_ids.append(out.message_id)
    if not sent_ids:
        return []
    deadline = time.monotonic() + 10
    found: dict[str, Path] = {}
    while time.monotonic() < deadline:
        found = _message_ids(sorted(settings.mail_dir.glob("*.eml")))
        if all(m in found for m in sent_ids):
            break
        time.sleep(0.2)
    return [found[m] for m in sent_ids if m in found]
