#!/usr/bin/env bash
# Command 1 of the README: install, migrate, load the curriculum, seed the demo
# city when the database is empty, and serve on http://127.0.0.1:5000
# (SKILLAPP_HOST / SKILLAPP_PORT choose another address).
set -euo pipefail
cd "$(dirname "$0")/.."
host=${SKILLAPP_HOST:-127.0.0.1}
port=${SKILLAPP_PORT:-5000}
# Not settings of the app: keep them out of its SKILLAPP_* configuration.
unset SKILLAPP_HOST SKILLAPP_PORT
bash scripts/setup.sh
# Plain http on this machine only: the session cookie cannot be Secure here.
export SKILLAPP_SESSION_COOKIE_SECURE=${SKILLAPP_SESSION_COOKIE_SECURE:-false}
.venv/bin/skillapp db upgrade
.venv/bin/skillapp content sync
seeded=$(.venv/bin/skillapp demo seed --if-empty)
echo "$seeded"
echo
# A fresh seed has just printed the demo logins; otherwise print them now.
case "$seeded" in
  *"demo logins"*) ;;
  *) .venv/bin/skillapp demo logins ;;
esac
echo
echo "skillapp: http://$host:$port  (Ctrl+C stops it)"
exec .venv/bin/gunicorn --bind "$host:$port" --workers 2 --threads 4 --access-logfile - "wsgi:app"
