#!/usr/bin/env bash
# Installs DuckDB from PyPI into target/duckdb-venv, for the test of the
# docs/scale.md recipes (tests/end_to_end/scale_recipes.rs). Idempotent; on
# a fresh Debian machine it first installs python3 and its venv module.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/duckdb-venv
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q python3 python3-venv
fi
rm -rf "$venv"
mkdir -p target
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check 'duckdb>=1.1,<3'
"$venv/bin/python" -c 'import duckdb; print("duckdb", duckdb.__version__, "in '"$venv"'")'
