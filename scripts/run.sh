#!/usr/bin/env bash
# Command 1 of the README: install, migrate, load the curriculum, seed the demo
# city when the database is empty, and serve on http://127.0.0.1:5000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Plain http on this machine only: the session cookie cannot be Secure here.
export SKILLAPP_SESSION_COOKIE_SECURE=${SKILLAPP_SESSION_COOKIE_SECURE:-false}
.venv/bin/skillapp db upgrade
.venv/bin/skillapp content sync
.venv/bin/skillapp demo seed --if-empty
echo
.venv/bin/skillapp demo logins
echo
echo "skillapp: http://127.0.0.1:5000  (Ctrl+C stops it)"
exec .venv/bin/gunicorn --bind 127.0.0.1:5000 --workers 2 --threads 4 --access-logfile - "wsgi:app"
