#!/usr/bin/env bash
# Command 2 of the README: the whole test suite (lint, unit, integration and the
# browser test). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the browser test…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: /usr/bin/chromium is missing; install Debian's chromium package" >&2
  fi
fi
# pdftotext / pdftoppm read the generated PDFs back in the PDF tests.
if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's poppler-utils for the PDF tests…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
  else
    echo "warning: pdftotext/pdftoppm are missing; install Debian's poppler-utils package" >&2
  fi
fi
.venv/bin/ruff check skillapp tests migrations benchmarks
.venv/bin/ruff format --check skillapp tests benchmarks
.venv/bin/python -m pytest "$@"
