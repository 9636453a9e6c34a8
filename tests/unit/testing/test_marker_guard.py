"""tests/conftest.py enforces the markers: a test that reaches a server, Spark or torch training without the
marker fails naming it; the marked test passes. Each case runs in an inner pytest (a subprocess: the guard's
audit hook lives for the life of a process) that loads tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"

INNER_CONFTEST = f'''
import importlib.util
import sys

_spec = importlib.util.spec_from_file_location("licitagraph_tests_conftest", {str(CONFTEST)!r})
_outer = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _outer
_spec.loader.exec_module(_outer)
globals().update({{k: v for k, v in vars(_outer).items() if not k.startswith("__")}})
'''

INI = """
[pytest]
markers =
    integration: servers
    spark: Spark
    torch: torch training
"""


def run_inner(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makeini(INI)
    pytester.makepyfile(test_inner=source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA")


def outcome_lines(result: pytest.RunResult) -> dict[str, str]:
    """test name -> its short-summary word (PASSED, FAILED, ERROR)."""
    out = {}
    for line in result.outlines:
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED", "ERROR") and "::" in rest:
            out[rest.split(" ")[0].split("::")[-1]] = word
    return out


SERVERS = '''
import socket
import subprocess
import sys

import pytest


def connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        pass  # nothing listens there; the guard must still fail the test


def test_connect_unmarked():
    connect(17687)


@pytest.mark.integration
def test_connect_marked():
    connect(17687)


class TestInAClass:
    pytestmark = pytest.mark.integration

    def test_connect_marked_by_class(self):
        connect(16379)


def test_ephemeral_port_needs_no_marker():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    socket.create_connection(server.getsockname(), timeout=1).close()
    server.close()


def test_cli_subprocess_unmarked():
    subprocess.run([sys.executable, "-m", "licitagraph", "--help"], capture_output=True)


def test_other_subprocess_needs_no_marker():
    subprocess.run([sys.executable, "-c", "pass"], check=True)


def test_services_fixture_unmarked(services):
    pass


def test_spark_fixture_unmarked(spark):
    pass
'''


def test_servers_need_the_integration_marker(pytester: pytest.Pytester) -> None:
    result = run_inner(pytester, SERVERS)
    assert outcome_lines(result) == {
        "test_connect_unmarked": "FAILED",
        "test_connect_marked": "PASSED",
        "test_connect_marked_by_class": "PASSED",
        "test_ephemeral_port_needs_no_marker": "PASSED",
        "test_cli_subprocess_unmarked": "FAILED",
        "test_other_subprocess_needs_no_marker": "PASSED",
        # caught before the fixture starts anything: an error at setup
        "test_services_fixture_unmarked": "ERROR",
        "test_spark_fixture_unmarked": "ERROR",
    }, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(
        [
            # errors (at setup) are printed before failures
            "*test_services_fixture_unmarked uses the `services` fixture but is not marked `integration`*",
            "*test_spark_fixture_unmarked uses the `spark` fixture but is not marked `spark`*",
            "*test_connect_unmarked connects to a server (localhost port 17687) but is not marked `integration`*",
            "*test_cli_subprocess_unmarked starts a `licitagraph` subprocess*not marked `integration`*",
        ],
        consecutive=False,
    )


SPARK_AND_TORCH = '''
import pytest


def test_spark_unmarked():
    from etl.spark import get_spark

    get_spark(app_name="never-started")


def step():
    import torch

    w = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    (w - 1).pow(2).sum().backward()
    opt.step()
    return w


def test_torch_training_unmarked():
    step()


@pytest.mark.torch
def test_torch_training_marked():
    assert step().tolist() == pytest.approx([0.2, 0.2])


def test_torch_inference_needs_no_marker():
    import torch

    assert torch.nn.Linear(2, 1)(torch.zeros(1, 2)).shape == (1, 1)
'''


def test_spark_and_torch_training_need_their_markers(pytester: pytest.Pytester) -> None:
    result = run_inner(pytester, SPARK_AND_TORCH)
    assert outcome_lines(result) == {
        "test_spark_unmarked": "FAILED",
        "test_torch_training_unmarked": "FAILED",
        "test_torch_training_marked": "PASSED",
        "test_torch_inference_needs_no_marker": "PASSED",
    }, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(
        [
            "*test_spark_unmarked uses a Spark session but is not marked `spark`*",
            "*test_torch_training_unmarked trains a torch model (SGD.step) but is not marked `torch`*",
        ],
        consecutive=False,
    )
