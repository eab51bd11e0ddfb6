#!/usr/bin/env bash
# The whole test suite on a fresh machine (Python 3.11, pip, apt as root): installs what it needs,
# runs the quality gates, the tests on SQLite, and the store tests again on a throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# the printable poster and paper form are set in DejaVu Sans
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# docs/deploy/ is checked with systemd-analyze verify and nginx -t (tests/test_deploy.py)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then echo "installing Debian packages: ${need[*]}"; apt_install "${need[@]}"; fi

VENV=${NARRAZIONI_VENV:-.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -e ".[dev,postgres]"
PY="$VENV/bin/python"
# axe-core (accessibility checks injected by the browser tests) from the npm registry, once.
if [ ! -f .cache/node_modules/axe-core/axe.min.js ]; then
  command -v npm >/dev/null 2>&1 || apt_install npm
  mkdir -p .cache && (cd .cache && npm install --no-save --silent --no-audit --no-fund axe-core@4 >/dev/null)
fi

echo "== ruff";          "$VENV/bin/ruff" check .
echo "== mypy";          "$VENV/bin/mypy"
echo "== import-linter"; "$VENV/bin/lint-imports"

# A throwaway PostgreSQL cluster owned by the postgres user (initdb refuses to run as root).
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDIR=$(mktemp -d /tmp/narrazioni-pg.XXXXXX)
PGPORT=${NARRAZIONI_PG_PORT:-54329}
if [ "$(id -u)" -eq 0 ]; then AS_PG=(runuser -u postgres --); chown postgres "$PGDIR"; else AS_PG=(); fi
"${AS_PG[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres >/dev/null
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -o "-p $PGPORT -k $PGDIR -c listen_addresses=''" -l "$PGDIR/log" -w start >/dev/null
trap '"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"' EXIT
"${AS_PG[@]}" "$PGBIN/createdb" -h "$PGDIR" -p "$PGPORT" -U postgres narrazioni_test

# A hung run (a thread or child left behind) fails here with a clear message instead of running out CI's clock.
guard() { timeout -k 30 "$1" "${@:2}" || { rc=$?; [ $rc -eq 124 ] && echo "TIMEOUT: '${*:2}' exceeded $1 s" >&2; exit $rc; }; }

# NARRAZIONI_CI=1: every tier runs, the slow tests marked `lento` too (a plain `pytest` leaves them out).
echo "== pytest (SQLite, everything, slow tests included)"
NARRAZIONI_CI=1 guard 2400 "$PY" -m pytest -q "$@"
echo "== notebooks (executed on the sample corpus)"
guard 1200 "$PY" -m pytest -q -p no:cacheprovider --nbmake --nbmake-timeout=600 notebooks/
echo "== pytest (PostgreSQL, store and pipeline)"
NARRAZIONI_CI=1 NARRAZIONI_TEST_DB="postgresql+psycopg://postgres@/narrazioni_test?host=$PGDIR&port=$PGPORT" \
  guard 1200 "$PY" -m pytest -q tests/archivio tests/analisi/test_pipeline.py tests/raccolta tests/analisi/test_codifica_archivio.py tests/dashboard/test_cruscotto_db.py
