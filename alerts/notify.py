"""Alert matching and delivery: plain functions that the Celery tasks wrap.

Delivery guarantee (docs/alerts.md): every (finding, recipient) pair is one `:AlertDelivery` node, unique
on the pair. `match_alerts` records what each recipient is owed as `pending`; `deliver` sends every pending
delivery of one recipient in one email and marks them `sent` only after the SMTP server accepted the
message. A worker killed before acceptance leaves them pending and the redelivered task sends them. The
one window for a duplicate is between the server's 250 reply and the write that follows it (a single
small transaction, milliseconds); a resent email then carries the same Message-ID, so mail systems can
drop it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import smtplib
import ssl
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from core.settings import Settings
from detectors.registry import DETECTORS

log = logging.getLogger(__name__)

MAX_FINDINGS_PER_EMAIL = 50
PICTURES_PER_EMAIL = 3
WORSEN_DELTA = 0.1
# X-Licitagraph-Findings lists whole ids up to this many characters, then "; +N" for the rest (docs/alerts.md)
FINDINGS_HEADER_MAX = 900

KIND_PT = {"tender": "licitação", "supplier": "fornecedor", "agency": "órgão", "item": "item"}
KIND_ROUTE = {"tender": "tenders", "supplier": "suppliers", "agency": "agencies"}

# why each detector's finding matters, declared on the detector (DetectorInfo.why)
WHY: dict[str, str] = {d.code: d.info.why for d in DETECTORS}
WHY_DEFAULT = "O padrão encontrado é um indício de risco que merece verificação pela auditoria."


class DeliveryBusy(RuntimeError):
    """Another worker is delivering to the same recipient right now; the task retries later."""


@dataclass
class Outgoing:
    recipient: str
    message: EmailMessage
    keys: list[str]
    message_id: str
    findings: list[dict[str, Any]] = field(default_factory=list)


# matching -------------------------------------------------------------------------------------------
def match_alerts(runner: Any, run_id: str, worsen_delta: float = WORSEN_DELTA) -> dict[str, int]:
    """Record, per recipient, the new or worsened findings their subscriptions match, as pending deliveries.

    Idempotent: sent deliveries stay sent (unless the finding worsened by `worsen_delta`), pending ones stay
    pending. Returns {recipient: pending deliveries recorded now}.
    """
    rows = runner.read("api/v1_match_alert_findings", {"worsen_delta": worsen_delta})
    by_recipient: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_recipient[r["recipient"]].append(
            {"finding_id": r["finding_id"], "score": float(r["score"]), "subscription_ids": r["subscription_ids"]})
    out: dict[str, int] = {}
    for recipient, items in sorted(by_recipient.items()):
        res = runner.write("api/v1_claim_alert_deliveries", {
            "recipient": recipient, "run_id": run_id, "rows": items, "worsen_delta": worsen_delta})
        out[recipient] = sum(1 for x in res.rows if x["status"] == "pending")
    log.info("run %s: alerts owed to %d recipients (%d deliveries)", run_id, len(out), sum(out.values()))
    return out


# the email ------------------------------------------------------------------------------------------
def _loads(text: Any, default: Any) -> Any:
    try:
        return json.loads(text) if text else default
    except (TypeError, ValueError):
        return default


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return "—" if v is None else ("sim" if v else "não")
    if isinstance(v, int):
        return f"{v:,}".replace(",", ".")
    if isinstance(v, float):
        s = f"{v:,.2f}" if abs(v) >= 1 else f"{v:.3f}"
        return s.replace(",", "X").replace(".", ",").replace("X", ".")
    return str(v)


def message_id_for(keys_versions: list[str]) -> str:
    """The same pending set gives the same Message-ID, so a resend after a crash can be recognized."""
    digest = hashlib.sha1("\n".join(sorted(keys_versions)).encode()).hexdigest()[:32]
    return f"<alert-{digest}@licitagraph>"


def findings_header(ids: list[str], limit: int = FINDINGS_HEADER_MAX) -> str:
    """Whole ids, ", "-separated (so the header folds between ids), as many as fit in `limit` characters;
    the ids left out are counted as "; +N". Every id of the email is in its body and on its deliveries."""
    shown: list[str] = []
    for i, fid in enumerate(ids):
        more = len(ids) - i - 1
        tail = f"; +{more}" if more else ""
        if len(", ".join([*shown, fid])) + len(tail) > limit:
            return ", ".join(shown) + f"; +{len(ids) - len(shown)}"
        shown.append(fid)
    return ", ".join(shown)


def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                       autoescape=select_autoescape(["html", "html.j2"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def _view(row: dict[str, Any], settings: Settings) -> dict[str, Any]:
    from reporting.masking import guard

    f = row["finding"]
    kind = f.get("subject_kind") or "item"
    base = settings.api_public_url.rstrip("/")
    route = KIND_ROUTE.get(kind)
    api_link = f"{base}/v1/{route}/{f['subject_id']}" if route else f"{base}/v1/findings/{f['id']}"
    measures = [{"name": m.get("name"), "value": _fmt(m.get("value")), "threshold": _fmt(m.get("threshold")),
                 "comparison": m.get("comparison") or "", "unit": m.get("unit") or ""}
                for m in _loads(f.get("measures_json"), [])]
    return guard({
        "id": f["id"], "detector": f.get("detector"), "title": f.get("title") or f.get("detector"),
        "summary": f.get("summary") or "", "score": f"{float(f.get('score') or 0.0):.2f}".replace(".", ","),
        "subject_id": f["subject_id"], "subject_kind": KIND_PT.get(kind, kind),
        "subject_name": row.get("subject_name") or f["subject_id"], "measures": measures,
        "why": WHY.get(f.get("detector") or "", WHY_DEFAULT), "api_link": api_link,
        "finding_link": f"{base}/v1/findings/{f['id']}", "bloom_phrase": f"Achados sobre {f['subject_id']}",
        "node_count": len(f.get("node_ids") or []), "worsened": (row.get("version") or 1) > 1,
        "picture_cid": None,
    })


def build_email(recipient: str, rows: list[dict[str, Any]], settings: Settings, runner: Any | None,
                message_id: str) -> EmailMessage:
    """One email with HTML and plain-text parts in Portuguese and the networks as inline cid: pictures."""
    from email.utils import make_msgid

    views = [_view(r, settings) for r in rows]
    pictures: list[tuple[str, bytes]] = []
    if runner is not None:
        from reporting.pictures import network_png

        seen: set[str] = set()
        for v in views:
            if len(pictures) >= PICTURES_PER_EMAIL or v["subject_id"] in seen:
                continue
            seen.add(v["subject_id"])
            net = runner.read("api/get_subject_network", {"id": v["subject_id"], "depth": 2, "limit": 80})
            if not net:
                continue
            nodes = net[0]["nodes"]
            network = {"subject_id": v["subject_id"], "nodes": nodes, "edges": net[0]["edges"]}
            cid = make_msgid(domain="licitagraph")
            pictures.append((cid, network_png(network, title=v["subject_name"][:80], width=7, height=5)))
            v["picture_cid"] = cid[1:-1]
    now = datetime.now(UTC)
    ctx = {"findings": views, "n": len(views), "date": now.strftime("%d/%m/%Y"), "recipient": recipient,
           "api_url": settings.api_public_url.rstrip("/"), "bloom_url": settings.bloom_url}
    env = _env()
    text = env.get_template("alert.txt.j2").render(**ctx)
    html = env.get_template("alert.html.j2").render(**ctx)
    msg = EmailMessage()
    subject = (f"[licitagraph] {ctx['date']}: {len(views)} alerta{'s' if len(views) != 1 else ''} de risco "
               "em compras públicas")
    # Encoded and folded here: Python 3.11's folder keeps the space before an encoded word it moves to the next
    # line, so a client read "compras  públicas". set_raw stores the RFC 2047 lines as they are.
    msg.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode(linesep="\n"))
    msg["From"] = settings.mail_from
    msg["To"] = recipient
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id
    msg["X-Licitagraph-Findings"] = findings_header([v["id"] for v in views])
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    html_part: Any = msg.get_payload()[1]  # type: ignore[index]
    for cid, png in pictures:
        html_part.add_related(png, maintype="image", subtype="png", cid=cid, filename="rede.png")
    return msg


# sending --------------------------------------------------------------------------------------------
def smtp_send(msg: EmailMessage, settings: Settings) -> None:
    """Send through the configured SMTP server; raises SMTPException/OSError when it is not accepted."""
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout_s
    smtp: smtplib.SMTP
    if settings.smtp_ssl:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        smtp.ehlo()
        if settings.smtp_starttls and not settings.smtp_ssl:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        refused = smtp.send_message(msg)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _lock(redis: Any, recipient: str, ttl_s: int) -> Any:
    name = "licitagraph:alert-lock:" + hashlib.sha1(recipient.encode()).hexdigest()[:16]
    return redis.lock(name, timeout=ttl_s, blocking=False)


def deliver(recipient: str, settings: Settings, runner: Any, redis: Any | None = None,
            pictures: bool = True) -> Outgoing | None:
    """Send every pending delivery of `recipient` in one email; mark them sent after SMTP accepts it.

    Returns what was sent, or None when nothing was pending. With `redis`, a per-recipient lock keeps two
    workers from sending the same pending set at once (DeliveryBusy: retry later).
    """
    lock = _lock(redis, recipient, int(settings.smtp_timeout_s * 2 + 5)) if redis is not None else None
    if lock is not None and not lock.acquire():
        raise DeliveryBusy(f"another worker is delivering to {recipient}")
    try:
        rows = runner.read("api/v1_pending_alert_deliveries",
                           {"recipient": recipient, "limit": MAX_FINDINGS_PER_EMAIL})
        gone = [r["key"] for r in rows if not r.get("finding")]
        if gone:
            runner.write("api/v1_mark_alert_deliveries", {"keys": gone, "status": "obsolete", "message_id": None})
        rows = [r for r in rows if r.get("finding")]
        if not rows:
            return None
        keys = [r["key"] for r in rows]
        message_id = message_id_for([f"{r['key']}#{r['version']}" for r in rows])
        msg = build_email(recipient, rows, settings, runner if pictures else None, message_id)
        smtp_send(msg, settings)
        # Accepted by the server: record it at once (the only duplicate window is this one write).
        runner.write("api/v1_mark_alert_deliveries", {"keys": keys, "status": "sent", "message_id": message_id})
        log.info("alert email %s to %s: %d findings", message_id, recipient, len(keys))
        return Outgoing(recipient, msg, keys, message_id, [r["finding"] for r in rows])
    finally:
        if lock is not None:
            try:
                lock.release()
            except Exception:  # expired: nothing to release
                pass
