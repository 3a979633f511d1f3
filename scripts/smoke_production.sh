#!/usr/bin/env bash
# Production-shaped smoke test: manifest static files, RENEWAL_ENV=production, gunicorn, real HTTP.
# Needs DATABASE_URL (PostgreSQL); run by .ci/run after the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must point at PostgreSQL}"
work=$(mktemp -d)
port=${SMOKE_PORT:-8765}
export RENEWAL_ENV=production SECRET_KEY="$(python3 -c "import secrets; print(secrets.token_urlsafe(50))")" HTTPS=0 STATIC_MANIFEST=1 RENEWAL_VAR_DIR="$work"
export ALLOWED_HOSTS=127.0.0.1
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py collectstatic --noinput >/dev/null
.venv/bin/gunicorn renewal.wsgi:application --bind "127.0.0.1:$port" --workers 1 --log-level warning &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 40); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/accounts/login/" && break
  sleep 0.5
done
status=0
for path in /accounts/login/ /publicity/ /api/schema/ /static/vendor/bootstrap/bootstrap.min.css /favicon.ico; do
  code=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port$path")
  case $path in /api/schema/) expected=401 ;; /favicon.ico) expected=301 ;; *) expected=200 ;; esac
  echo "smoke $path -> $code"
  [ "$code" = "$expected" ] || status=1
done
exit $status
