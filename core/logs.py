"""Logging set-up: one place, called by the CLI and the servers, never at import time."""

from __future__ import annotations

import logging
import os

from rich.logging import RichHandler

_CONFIGURED = False


def setup_logging(level: str | None = None) -> None:
    global _CONFIGURED
    if _CONFIGURED:
        return
    level = level or os.environ.get("LICITAGRAPH_LOG_LEVEL", "INFO")
    logging.basicConfig(
        level=level.upper(),
        format="%(name)s: %(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(rich_tracebacks=False, show_path=False, markup=False)],
    )
    # Spark's py4j and the neo4j driver are chatty at INFO.
    for noisy in ("py4j", "neo4j", "urllib3", "matplotlib", "asyncio", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _CONFIGURED = True
