#!/usr/bin/env bash
# Builds everything Grafana needs into dist/: module.js (webpack), plugin.json
# (version and date filled in), the dashboards, the logo, README and CHANGELOG,
# and the backend as gpx_arenawatt_<os>_<arch>[.exe], the Go os/arch names
# Grafana looks for.
#
#   bash scripts/dist.sh                 # frontend + backend for this machine (release)
#   BUILD_ALL=1 bash scripts/dist.sh     # + every Rust target installed with rustup
#   TARGETS="aarch64-unknown-linux-gnu" bash scripts/dist.sh
#   PROFILE=dev bash scripts/dist.sh     # debug backend (faster to build; used by the tests)
#   SKIP_FRONTEND=1 ...                  # keep the dist/module.js already built
#   bash scripts/dist.sh --go-suffix TRIPLE   # only print the name suffix for a Rust target
set -euo pipefail
cd "$(dirname "$0")/.."

PLUGIN_ID=arenawatt-energy-datasource
PROFILE=${PROFILE:-release}
TARGET_DIR=${CARGO_TARGET_DIR:-target}

die() {
  echo "dist: $*" >&2
  exit 1
}

# Rust target triple -> Grafana's executable suffix (Go's GOOS_GOARCH).
go_suffix() {
  local triple=$1 arch os ext=''
  case "$triple" in
    x86_64-*) arch=amd64 ;;
    aarch64-* | arm64-*) arch=arm64 ;;
    i686-* | i586-*) arch=386 ;;
    armv7-* | arm-*) arch=arm ;;
    *) return 1 ;;
  esac
  case "$triple" in
    *-linux-*) os=linux ;;
    *-apple-darwin) os=darwin ;;
    *-windows-*) os=windows ext=.exe ;;
    *-freebsd) os=freebsd ;;
    *) return 1 ;;
  esac
  echo "${os}_${arch}${ext}"
}

if [ "${1:-}" = --go-suffix ]; then
  go_suffix "${2:?usage: dist.sh --go-suffix RUST_TARGET}" || die "no Grafana os/arch name for Rust target $2"
  exit 0
fi

version=$(node -p "require('./package.json').version")
cargo_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ "$version" = "$cargo_version" ] ||
  die "package.json version $version differs from Cargo.toml version $cargo_version"

host=$(rustc -vV | sed -n 's/^host: //p')
targets=(${TARGETS:-$host})
if [ "${BUILD_ALL:-}" = 1 ]; then
  while read -r installed; do
    [[ " ${targets[*]} " == *" $installed "* ]] || targets+=("$installed")
  done < <(rustup target list --installed 2>/dev/null || true)
fi

case "$PROFILE" in
  release) profile_dir=release ;;
  dev | debug) PROFILE=dev profile_dir=debug ;;
  *) profile_dir=$PROFILE ;;
esac

if [ "${SKIP_FRONTEND:-}" = 1 ]; then
  [ -s dist/module.js ] || die "SKIP_FRONTEND=1 but dist/module.js is missing: run npm run build"
  find dist -mindepth 1 ! -name 'module.js*' -exec rm -rf {} +
else
  rm -rf dist
  [ -d node_modules ] || npm ci --no-audit --no-fund
  npm run build
fi

echo "dist: plugin.json, dashboards, logo, README, CHANGELOG (version $version)"
sed -e "s/%VERSION%/$version/g" -e "s/%TODAY%/$(date -u +%Y-%m-%d)/g" plugin.json >dist/plugin.json
mkdir -p dist/img dist/dashboards
cp src/img/logo.svg dist/img/logo.svg
cp dashboards/*.json dist/dashboards/
cp README.md CHANGELOG.md dist/
[ -f LICENSE ] && cp LICENSE dist/

for target in "${targets[@]}"; do
  suffix=$(go_suffix "$target") || die "no Grafana os/arch name for Rust target $target"
  echo "dist: gpx_arenawatt for $target -> gpx_arenawatt_$suffix ($PROFILE)"
  if [ "$target" = "$host" ]; then
    cargo build --profile "$PROFILE" --bin gpx_arenawatt
    built="$TARGET_DIR/$profile_dir/gpx_arenawatt"
  else
    cargo build --profile "$PROFILE" --bin gpx_arenawatt --target "$target"
    built="$TARGET_DIR/$target/$profile_dir/gpx_arenawatt"
  fi
  [[ "$suffix" == *.exe ]] && built="$built.exe"
  [ -f "$built" ] || die "cargo did not produce $built"
  cp "$built" "dist/gpx_arenawatt_$suffix"
  chmod 0755 "dist/gpx_arenawatt_$suffix"
done

echo "dist: done"
ls -l dist
