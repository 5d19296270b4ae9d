#!/usr/bin/env bash
# Runs every test suite of the project: Rust (unit, property, integration),
# the frontend (jest, then the editors in headless Chromium), the packaging (node --test), and the Magefile (go test). Exits non-zero on the first
# failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test"
cargo test --all-targets

if [ -f package.json ]; then
  echo "== frontend"
  [ -d node_modules ] || npm ci --no-audit --no-fund
  npm run typecheck
  npm run build
  npm run test -- --ci
  echo "== browser (headless Chromium: the editors of dist/module.js against the debug gpx_arenawatt)"
  npx tsc --noEmit -p tests/browser/tsconfig.json
  node tests/browser/run.mjs
  echo "== packaging (scripts/package.sh, debug backend)"
  PROFILE=dev node --test tests/package.test.mjs
fi

if [ -f Magefile.go ] && command -v go >/dev/null 2>&1; then
  echo "== magefile"
  go vet -tags mage .
  go test -tags mage .
fi
