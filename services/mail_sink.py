"""A local SMTP sink (aiosmtpd) that keeps every message it receives as an `.eml` file.

Used by the local demo and the tests in place of a real mail server: alert emails really travel over
SMTP, and a person can open them (`var/mail/*.eml`) in any mail client.

Run detached by `licitagraph services up`, or directly: `python -m services.mail_sink --port 8025 --dir var/mail`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import smtplib
import time
import uuid
from pathlib import Path
from typing import Any

from core.settings import Settings
from services.process import ManagedProcess, ServiceError, port_in_use, port_owner

log = logging.getLogger(__name__)


class EmlWriter:
    """aiosmtpd handler: write each message atomically to `<dir>/<utc time>-<uuid>.eml`."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        name = f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        header = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(header + content)
        os.replace(tmp, self.directory / name)
        return "250 Message accepted for delivery"


def serve(host: str, port: int, directory: Path) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(EmlWriter(directory), hostname=host, port=port, ready_timeout=10)
    controller.start()
    log.info("SMTP sink on %s:%s writing to %s", host, port, directory)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()
        loop.close()


class MailSink:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.dir = settings.mail_dir
        self.proc = ManagedProcess(
            name="smtp-sink",
            pid_file=settings.var_dir / "run" / "mail_sink.pid",
            log_file=settings.var_dir / "logs" / "mail_sink.log",
            marker=f"services.mail_sink --host {settings.smtp_host} --port {settings.smtp_port}",
        )

    def answers(self) -> bool:
        try:
            with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=2) as smtp:
                return smtp.noop()[0] == 250
        except (OSError, smtplib.SMTPException):
            return False

    def start(self) -> bool:
        import sys

        s = self.settings
        if self.proc.is_running():
            self.proc.wait_until(self.answers, 20, "SMTP NOOP")
            return False
        if port_in_use(s.smtp_host, s.smtp_port):
            owner = port_owner(s.smtp_port)
            raise ServiceError(
                f"cannot start the SMTP sink: port {s.smtp_port} on {s.smtp_host} is already in use"
                + (f" by {owner}" if owner else "")
                + "; stop it or set LICITAGRAPH_SMTP_PORT"
            )
        argv = [sys.executable, "-m", "services.mail_sink", "--host", s.smtp_host, "--port", str(s.smtp_port),
                "--dir", str(self.dir)]
        from core.settings import REPO_ROOT

        self.proc.spawn(argv, cwd=REPO_ROOT)
        self.proc.wait_until(self.answers, 20, "SMTP NOOP")
        return True

    def stop(self) -> bool:
        return self.proc.stop(timeout_s=10)

    def messages(self) -> list[Path]:
        return sorted(self.dir.glob("*.eml")) if self.dir.exists() else []

    def status(self) -> dict[str, Any]:
        s = self.settings
        pid = self.proc.read_pid()
        return {"service": "smtp-sink", "running": pid is not None, "pid": pid,
                "address": f"smtp://{s.smtp_host}:{s.smtp_port}", "folder": str(self.dir),
                "messages": len(self.messages())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        serve(args.host, args.port, args.dir)
    except OSError as exc:
        raise ServiceError(f"SMTP sink could not listen on {args.host}:{args.port}: {exc}") from exc


if __name__ == "__main__":
    main()
