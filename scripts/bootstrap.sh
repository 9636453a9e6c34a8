#!/usr/bin/env bash
# Idempotent, cached set-up of everything licitagraph needs on this machine:
#   - prerequisites: Python 3.11, Java 17+, Maven (installed from Debian when missing and running as root)
#   - .venv with the pinned Python packages (reinstalled only when pyproject.toml or requirements.lock change)
#   - Neo4j 5.26 + APOC + GDS from Maven Central into .cache/neo4j, and Debian's redis-server
# Safe to run again: each step checks a stamp and does nothing when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[bootstrap] error:\033[0m %s\n' "$*" >&2; exit 1; }

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    die "missing $*; install it (as root: apt-get install -y $*) and run again"
  fi
  log "installing $* from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- prerequisites -----------------------------------------------------------------------------
PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for cand in python3.11 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)' 2>/dev/null; then
      PYTHON=$cand; break
    fi
  done
fi
[ -n "$PYTHON" ] || die "Python 3.11 or 3.12 is needed (python3.11 not found)"

if ! command -v java >/dev/null 2>&1 || ! java -version 2>&1 | head -1 | grep -Eq '"(1[7-9]|2[0-9])'; then
  apt_install openjdk-17-jdk-headless
fi
command -v javac >/dev/null 2>&1 || apt_install openjdk-17-jdk-headless
command -v mvn >/dev/null 2>&1 || apt_install maven
command -v redis-server >/dev/null 2>&1 || apt_install redis-server
# chromium: the browser tests (rendered alert emails, case pages) drive Debian's chromium through playwright
command -v chromium >/dev/null 2>&1 || apt_install chromium fonts-dejavu-core
# wrk: bench/api.py's load generator (optional: without it the bench uses its httpx client)
if ! command -v wrk >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt_install wrk) || log "wrk not installed; bench/api.py will use its httpx load generator"
fi

# --- Python packages ---------------------------------------------------------------------------
stamp=.venv/.licitagraph-stamp
want=$(cat pyproject.toml requirements.lock 2>/dev/null | sha1sum | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "creating .venv with $($PYTHON --version) and the pinned packages (first time: a few minutes; torch is large)"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c requirements.lock -e ".[dev]"
  echo "$want" > "$stamp"
else
  log ".venv is up to date"
fi

# --- Neo4j (Maven Central) and Redis -----------------------------------------------------------
.venv/bin/licitagraph services install
log "ready"
