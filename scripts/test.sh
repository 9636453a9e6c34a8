#!/usr/bin/env bash
# The test command (`make test`, and what CI runs through .ci/run): set up what is missing, start the
# test instance of the services (own ports and state folder, see tests/test.env), run ruff, mypy and
# pytest, and stop the services this run started, also when something fails.
#
# `scripts/test.sh --fast` (`make test-fast`): ruff, mypy and only the tests that need no server, no Spark
# and no torch training (-m "not integration and not spark and not torch and not slow"); it starts no
# services. tests/conftest.py fails a test that needs one of those without its marker, so the fast lane
# cannot start them by accident. Further arguments go to pytest in both modes.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--fast" ]; then
  shift
  # only the venv: Neo4j, Redis and Java are not needed here
  [ -x .venv/bin/python ] || scripts/bootstrap.sh || exit 1
  status=0
  echo "== ruff"
  .venv/bin/ruff check . || status=1
  echo "== mypy"
  .venv/bin/mypy || status=1
  echo "== pytest (fast lane)"
  timeout -s INT -k 30 "${LICITAGRAPH_TEST_WALL:-600}" .venv/bin/python -m pytest \
    -m "not integration and not spark and not torch and not slow" "$@" || status=1
  exit $status
fi

scripts/bootstrap.sh || exit 1

set -a
# shellcheck disable=SC1091
. tests/test.env
set +a

# Which test services were already running before us (a developer's own session): leave those alone.
before=$(.venv/bin/licitagraph services status --json 2>/dev/null | .venv/bin/python -c '
import json, sys
print(" ".join(s["service"] for s in json.load(sys.stdin) if s.get("running")))' 2>/dev/null || true)

started=()
cleanup() {
  if [ ${#started[@]} -gt 0 ]; then
    only=()
    for s in "${started[@]}"; do only+=(--only "$s"); done
    .venv/bin/licitagraph services down "${only[@]}" || true
  fi
}
trap cleanup EXIT

for svc in neo4j redis smtp; do
  name=$svc; [ "$svc" = smtp ] && name=smtp-sink
  case " $before " in *" $name "*) ;; *) started+=("$svc");; esac
done
.venv/bin/licitagraph services up >/dev/null || { echo "could not start the test services"; exit 1; }

status=0
echo "== ruff"
.venv/bin/ruff check . || status=1
echo "== mypy"
.venv/bin/mypy || status=1
echo "== pytest"
# A test that hangs past its own timeout must not run CI into its 90-minute limit with nothing said: after
# LICITAGRAPH_TEST_WALL seconds pytest gets SIGINT (it prints what ran and where it stood), and is killed a
# minute later if it still runs. The whole suite takes about 27 minutes on a 2-core machine
# (docs/benchmarks.md); pytest lists its 25 slowest steps at the end, so a CI log shows where the time went.
timeout -s INT -k 60 "${LICITAGRAPH_TEST_WALL:-2700}" .venv/bin/python -m pytest --durations=25 "$@"
rc=$?
[ $rc -eq 124 ] && echo "pytest stopped after ${LICITAGRAPH_TEST_WALL:-2700} s (LICITAGRAPH_TEST_WALL)"
# 5 = no tests collected: a suite that ran nothing has not passed.
[ $rc -eq 0 ] || status=1
exit $status
