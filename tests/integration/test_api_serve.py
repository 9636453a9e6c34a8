"""`licitagraph serve` starts uvicorn with the app; a real HTTP client reaches it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.settings import Settings

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_serve_answers_over_http(services: Any, settings: Settings, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "serve.log"
    # Earlier tests in the same minute spend the admin key's rate-limit window in the shared Redis;
    # this test is about serving, not limiting (test_api.py tests the limit).
    env = {**os.environ, "LICITAGRAPH_API_RATE_LIMIT_PER_MINUTE": "1000000"}
    proc = subprocess.Popen([sys.executable, "-m", "licitagraph", "serve", "--port", str(port), "--no-access-log"],
                            cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail(log.read_text())
        assert httpx.get(f"{base}/v1/agencies").status_code == 401
        r = httpx.get(f"{base}/ready", headers={"Authorization": f"Bearer {settings.admin_api_key}"})
        assert r.status_code == 200 and r.json()["neo4j"] is True, (r.status_code, r.text, log.read_text()[-2000:])
        assert "openapi" in httpx.get(f"{base}/openapi.json").json()
    finally:
        proc.terminate()
        proc.wait(20)
