#!/usr/bin/env bash
# Command 1 of the README: install, migrate, load the curriculum, seed the demo
# city when the database is empty, and serve on http://127.0.0.1:5000
# (SKILLAPP_HOST / SKILLAPP_PORT choose another address).
#
# Each step says what it does as it starts, and what it did; the tools' own
# chatter (pip, Alembic) is kept in a log and shown only when the step fails.
# The demo passwords are printed once, after a fresh seed; `skillapp demo
# logins` shows them later.
set -euo pipefail
cd "$(dirname "$0")/.."
host=${SKILLAPP_HOST:-127.0.0.1}
port=${SKILLAPP_PORT:-5000}
# Not settings of the app: keep them out of its SKILLAPP_* configuration.
unset SKILLAPP_HOST SKILLAPP_PORT
# Plain http on this machine only: the session cookie cannot be Secure here.
export SKILLAPP_SESSION_COOKIE_SECURE=${SKILLAPP_SESSION_COOKIE_SECURE:-false}
# Progress lines of the seed as they happen, not when Python's buffer fills.
export PYTHONUNBUFFERED=1

STEPS=5
step() {
  printf '[%d/%d] %s\n' "$1" "$STEPS" "$2"
}

# Run a command with its output in a log; on failure show the log and stop.
quietly() {
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/skillapp-run.XXXXXX")
  if "$@" >"$log" 2>&1; then
    QUIET_OUTPUT=$(cat "$log")
    rm -f "$log"
  else
    local status=$?
    echo "failed: $* (exit status $status). Its output:" >&2
    cat "$log" >&2
    rm -f "$log"
    exit "$status"
  fi
}

echo "skillapp: setting up and starting in $STEPS steps"

step 1 "Python packages in .venv (the first time takes a few minutes)"
bash scripts/setup.sh

step 2 "Database: applying migrations"
quietly .venv/bin/skillapp db upgrade
applied=$(grep -c "Running upgrade" <<<"$QUIET_OUTPUT" || true)
if [ "$applied" -gt 0 ]; then
  echo "      $applied migrations applied"
else
  echo "      up to date"
fi

step 3 "Curriculum: loading content/modules"
quietly .venv/bin/skillapp content sync
sed 's/^/      /' <<<"$QUIET_OUTPUT"

step 4 "Demo city: seeded only into an empty database"
.venv/bin/skillapp demo seed --if-empty | sed 's/^/      /'

step 5 "Serving http://$host:$port  (Ctrl+C stops it)"
exec .venv/bin/gunicorn --bind "$host:$port" --workers 2 --threads 4 --log-level warning \
  --access-logfile - "wsgi:app"
