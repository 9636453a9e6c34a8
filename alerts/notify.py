"""Alert matching and delivery: plain functions that the Celery tasks wrap.

Delivery guarantee (docs/alerts.md): every (finding, recipient) pair is one `:AlertDelivery` node, unique
on the pair. `match_alerts` records what each recipient is owed as `pending`; `deliver` sends every pending
delivery of one recipient in one email and marks them `sent` only after the SMTP server accepted the
message. A worker killed before acceptance leaves them pending and the redelivered task sends them. The
one window for a duplicate is between the server's 250 reply and the write that follows it (a single
small transaction, milliseconds); a resent email then carries the same Message-ID, so mail systems can
drop it.

The email is a digest (alerts/digest.py): the findings grouped into cases, the strongest in full and the
others as a table. Findings that cannot be explained in words yet (the GNN's) are left out and their
deliveries marked `withheld`; the footer counts them.
"""

from __future__ import annotations

import hashlib
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

from alerts.digest import MAX_CASES_IN_FULL
from core.settings import Settings
from reporting import br

log = logging.getLogger(__name__)

MAX_FINDINGS_PER_EMAIL = 50
PICTURES_PER_EMAIL = 3
WORSEN_DELTA = 0.1
# X-Licitagraph-Findings lists whole ids up to this many characters, then "; +N" for the rest (docs/alerts.md)
FINDINGS_HEADER_MAX = 900
# the status of a delivery left out of the emails: a GNN finding with no explanation in words (alerts/digest.py)
WITHHELD = "withheld"

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


@dataclass
class Digest:
    """What one email says: the cases in full, the others as a table, and what was left out."""

    cases: list[Any]  # alerts.digest.CaseView, strongest first
    shown_ids: list[str]  # every finding in the email, in the email's order
    withheld: list[dict[str, Any]]  # the rows left out (findings without an explanation in words)


def make_digest(rows: list[dict[str, Any]], settings: Settings) -> Digest:
    """Group the rows into cases and describe them; GNN findings without an explanation are left out."""
    from alerts.digest import case_view, group_cases, is_explained
    from reporting.links import case_url

    shown = [r for r in rows if is_explained(r["finding"])]
    withheld = [r for r in rows if not is_explained(r["finding"])]
    cases = []
    for i, case in enumerate(group_cases(shown), 1):
        lead_id = str(case[0]["finding"]["id"])
        cases.append(case_view(i, case, case_url(settings, lead_id)))
    return Digest(cases, [fid for c in cases for fid in c.ids], withheld)


def _pictures(digest: Digest, runner: Any) -> list[tuple[str, bytes]]:
    """Up to PICTURES_PER_EMAIL pictures, one per case from the strongest, as (Content-ID, PNG)."""
    from email.utils import make_msgid

    from reporting.pictures import finding_picture

    out: list[tuple[str, bytes]] = []
    for case in digest.cases[:MAX_CASES_IN_FULL]:
        if len(out) >= PICTURES_PER_EMAIL:
            break
        try:
            png = finding_picture(runner, case.lead_id, title=case.title[:80])
        except Exception:  # a picture is a nicety: the email goes out without it
            log.exception("no picture for %s", case.lead_id)
            png = None
        if not png:
            continue
        cid = make_msgid(domain="licitagraph")
        out.append((cid, png))
        case.picture_cid = cid[1:-1]
    return out


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def weights_note(settings: Settings) -> str:
    """One Portuguese sentence on how the risk score weighs the detectors: hand-set priors until enough
    verdicts exist, then fitted on them (detectors/weights.py)."""
    from detectors.weights import load

    w = load(settings.models_dir / "risk_weights.json")
    if w.source == "fitted":
        return (f"A pontuação combinada de risco pesa os detectores com pesos ajustados em {w.n_verdicts} "
                f"casos já decididos pela auditoria ({w.n_positive} confirmados).")
    return ("A pontuação combinada de risco pesa os detectores com pesos definidos à mão (a priori): ainda não há "
            "vereditos da auditoria suficientes para ajustá-los.")


def build_email(recipient: str, rows: list[dict[str, Any]], settings: Settings, runner: Any | None,
                message_id: str, digest: Digest | None = None) -> EmailMessage:
    """One digest email in Portuguese: the findings grouped into cases, the strongest MAX_CASES_IN_FULL in
    full and the others as a table; HTML and plain-text parts; pictures inline (cid:)."""
    digest = digest or make_digest(rows, settings)
    pictures = _pictures(digest, runner) if runner is not None else []
    now = datetime.now(UTC)
    n = len(digest.shown_ids)
    ctx = {"cases": digest.cases[:MAX_CASES_IN_FULL], "rest": digest.cases[MAX_CASES_IN_FULL:],
           "n_cases": len(digest.cases), "n": n, "withheld": len(digest.withheld), "date": br.day(now),
           "recipient": recipient, "plural": plural, "weights_note": weights_note(settings),
           "link_days": plural(max(1, round(settings.console_link_ttl_s / 86400)), "dia", "dias")}
    env = _env()
    text = env.get_template("alert.txt.j2").render(**ctx)
    html = env.get_template("alert.html.j2").render(**ctx)
    msg = EmailMessage()
    subject = f"[licitagraph] {ctx['date']}: {n} alerta{'s' if n != 1 else ''} de risco em compras públicas"
    # Encoded and folded here: Python 3.11's folder keeps the space before an encoded word it moves to the next
    # line, so a client read "compras  públicas". set_raw stores the RFC 2047 lines as they are.
    msg.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode(linesep="\n"))
    msg["From"] = settings.mail_from
    msg["To"] = recipient
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id
    msg["X-Licitagraph-Findings"] = findings_header(digest.shown_ids)
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
        digest = make_digest(rows, settings)
        withheld = [r["key"] for r in digest.withheld]
        if not digest.cases:  # only findings that cannot be explained yet: nothing to send
            runner.write("api/v1_mark_alert_deliveries", {"keys": withheld, "status": WITHHELD, "message_id": None})
            log.info("alerts to %s: %d findings withheld, nothing to send", recipient, len(withheld))
            return None
        by_id = {str(r["finding"]["id"]): r for r in rows}
        shown = [by_id[fid] for fid in digest.shown_ids]
        keys = [r["key"] for r in shown]
        message_id = message_id_for([f"{r['key']}#{r['version']}" for r in shown])
        msg = build_email(recipient, shown, settings, runner if pictures else None, message_id, digest)
        smtp_send(msg, settings)
        # Accepted by the server: record it at once (the only duplicate window is this one write).
        runner.write("api/v1_mark_alert_deliveries", {"keys": keys, "status": "sent", "message_id": message_id})
        if withheld:  # said in the footer of this email, by count
            runner.write("api/v1_mark_alert_deliveries",
                         {"keys": withheld, "status": WITHHELD, "message_id": message_id})
        log.info("alert email %s to %s: %d findings in %d cases, %d withheld", message_id, recipient, len(keys),
                 len(digest.cases), len(withheld))
        return Outgoing(recipient, msg, keys, message_id, [r["finding"] for r in shown])
    finally:
        if lock is not None:
            try:
                lock.release()
            except Exception:  # expired: nothing to release
                pass
