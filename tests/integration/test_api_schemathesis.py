"""Property-based run of the OpenAPI spec (schemathesis, ASGI transport): no input makes the API fail with a
server error, and every response matches the documented schema. Bounded to a few examples per operation."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.main import create_app
from core.settings import get_settings
from tests.integration.test_api_world import graph_fingerprint, seed

pytestmark = pytest.mark.integration

MAX_EXAMPLES = int(os.environ.get("LICITAGRAPH_SCHEMATHESIS_EXAMPLES", "8"))

# The app's connections open on its first request (after the `world` fixture seeded the database).
app = create_app(get_settings().model_copy(update={"api_rate_limit_per_minute": 1_000_000}))
# Starting the pipeline would enqueue real tasks; it has its own tests (test_api.py, test_alerts.py).
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(method="POST", path="/v1/pipeline/runs")


@pytest.fixture(scope="module")
def world(services: Any) -> Any:
    s = get_settings()
    w, _ = seed(s, Path(tempfile.mkdtemp(prefix="schemathesis-world-")))
    before = graph_fingerprint(s)
    yield w
    assert graph_fingerprint(s) == before, "the API changed the procurement graph"


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_has_no_server_errors(case: schemathesis.Case, world: Any) -> None:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    case.call_and_validate(headers={"X-API-Key": get_settings().admin_api_key},
                           checks=[not_a_server_error, response_schema_conformance])
