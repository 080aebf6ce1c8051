#!/usr/bin/env bash
# Create .venv and install the project with its development tools. Idempotent:
# it reinstalls only when pyproject.toml has changed since the last install.
# pip's own output (progress, warnings about package indexes) goes to
# .venv/pip-install.log and is shown only when pip fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.skillapp-installed
log=.venv/pip-install.log
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  started=$SECONDS
  if ! {
    .venv/bin/python -m pip install --quiet --upgrade pip &&
      .venv/bin/python -m pip install --quiet -e '.[dev]'
  } >"$log" 2>&1; then
    echo "pip could not install the project; its output ($log):" >&2
    cat "$log" >&2
    exit 1
  fi
  touch "$stamp"
  echo "      installed in $((SECONDS - started)) s (pip's output: $log)"
else
  echo "      already installed"
fi
