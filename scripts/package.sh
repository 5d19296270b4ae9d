#!/usr/bin/env bash
# Packs dist/ as <id>-<version>.zip with a .sha1 file, in the layout of
# Grafana's plugin catalog: one top folder named after the plugin id, holding
# plugin.json, module.js, the backend executables (mode 755) and the rest.
#
#   bash scripts/package.sh               # runs scripts/dist.sh first
#   NO_BUILD=1 bash scripts/package.sh    # packs the dist/ already built
#   OUT_DIR=/tmp/out bash scripts/package.sh
# The other variables of scripts/dist.sh (PROFILE, BUILD_ALL, TARGETS) pass through.
set -euo pipefail
cd "$(dirname "$0")/.."

PLUGIN_ID=arenawatt-energy-datasource
OUT_DIR=${OUT_DIR:-artifacts}

if [ "${NO_BUILD:-}" != 1 ]; then
  bash scripts/dist.sh
fi
[ -f dist/plugin.json ] || { echo "package: dist/plugin.json is missing: run scripts/dist.sh" >&2; exit 1; }
ls dist/gpx_arenawatt_* >/dev/null 2>&1 || { echo "package: no backend executable in dist/" >&2; exit 1; }

version=$(node -p "require('./dist/plugin.json').info.version")
name="$PLUGIN_ID-$version"
mkdir -p "$OUT_DIR"
out=$(cd "$OUT_DIR" && pwd)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R dist "$stage/$PLUGIN_ID"
chmod 0755 "$stage/$PLUGIN_ID"/gpx_arenawatt_*
rm -f "$out/$name.zip" "$out/$name.zip.sha1"
(cd "$stage" && zip -q -r -X "$out/$name.zip" "$PLUGIN_ID")
sha1sum "$out/$name.zip" | cut -d ' ' -f 1 >"$out/$name.zip.sha1"

echo "package: $out/$name.zip"
echo "package: sha1 $(cat "$out/$name.zip.sha1")"
