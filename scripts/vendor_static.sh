#!/usr/bin/env bash
# Refresh the vendored front-end files in static/vendor from the npm registry (run by hand, results committed).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
fetch bootstrap@5.3.8 dist/css/bootstrap.min.css bootstrap/bootstrap.min.css \
  dist/js/bootstrap.bundle.min.js bootstrap/bootstrap.bundle.min.js LICENSE bootstrap/LICENSE
fetch htmx.org@2.0.7 dist/htmx.min.js htmx/htmx.min.js LICENSE htmx/LICENSE
fetch echarts@5.6.0 dist/echarts.min.js echarts/echarts.min.js LICENSE echarts/LICENSE
# The source maps are not vendored; drop their references so collectstatic's manifest can be built.
find static/vendor -type f \( -name "*.js" -o -name "*.css" \) -exec sed -i -E '/^[/][/*]# sourceMappingURL=/d; s#[/][/*]# sourceMappingURL=[^ ]*( [*][/])?##' {} +
echo "vendored into static/vendor"
