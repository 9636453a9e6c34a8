#!/usr/bin/env bash
# The test command (`make test`, and what CI runs through .ci/run): set up what is missing, start the
# test instance of the services (own ports and state folder, see tests/test.env), run ruff, mypy and
# pytest, and stop the services this run started, also when something fails.
set -uo pipefail
cd "$(dirname "$0")/.."

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
# minute later if it still runs. The whole suite takes about 16 minutes here.
timeout -s INT -k 60 "${LICITAGRAPH_TEST_WALL:-2700}" .venv/bin/python -m pytest "$@"
rc=$?
[ $rc -eq 124 ] && echo "pytest stopped after ${LICITAGRAPH_TEST_WALL:-2700} s (LICITAGRAPH_TEST_WALL)"
# 5 = no tests collected: a suite that ran nothing has not passed.
[ $rc -eq 0 ] || status=1
exit $status
