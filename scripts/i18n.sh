#!/usr/bin/env bash
# Update the translation catalog: extract every UI string from the skillapp
# package into skillapp/translations/messages.pot, merge it into the Japanese
# catalog (skillapp/translations/ja/LC_MESSAGES/messages.po; created on the
# first run) and compile the .mo files that Flask-Babel loads. After running,
# translate any new or fuzzy entries in the .po and run this script again.
# The .pot, .po and compiled .mo files are all committed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
TRANSLATIONS=skillapp/translations
POT=$TRANSLATIONS/messages.pot
LOCALES=(ja)

mkdir -p "$TRANSLATIONS"
trap 'rm -f "$POT.new"' EXIT
# --ignore-dirs: pybabel skips directories named _* by default, which would
# miss skillapp/templates/_macros; skip only dot-directories and caches.
"$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext \
  --ignore-dirs='.* __pycache__' \
  --sort-by-file --add-location=file --no-wrap \
  --project=skillapp --version=0.1.0 --copyright-holder=skillapp \
  --msgid-bugs-address=none \
  -o "$POT.new" .
# Keep the old template when only its POT-Creation-Date changed, so that an
# unchanged catalog does not show up as changed .pot/.po/.mo files.
if [ -f "$POT" ] && diff -q <(grep -v '^"POT-Creation-Date:' "$POT") \
    <(grep -v '^"POT-Creation-Date:' "$POT.new") >/dev/null; then
  rm "$POT.new"
else
  mv "$POT.new" "$POT"
fi

for locale in "${LOCALES[@]}"; do
  po=$TRANSLATIONS/$locale/LC_MESSAGES/messages.po
  if [ -f "$po" ]; then
    "$PYBABEL" update --no-fuzzy-matching -i "$POT" -d "$TRANSLATIONS" -l "$locale" --no-wrap --ignore-obsolete
  else
    "$PYBABEL" init -i "$POT" -d "$TRANSLATIONS" -l "$locale" --no-wrap
  fi
done

# --statistics reports untranslated entries; fuzzy ones are not compiled.
"$PYBABEL" compile -d "$TRANSLATIONS" --statistics

# Anything left to translate? (tests/test_i18n.py fails on these as well.)
status=0
for locale in "${LOCALES[@]}"; do
  po=$TRANSLATIONS/$locale/LC_MESSAGES/messages.po
  .venv/bin/python - "$po" <<'PY' || status=1
import sys

from babel.messages.pofile import read_po

path = sys.argv[1]
with open(path, "rb") as f:
    catalog = read_po(f)
todo = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
for msgid in todo:
    print(f"{path}: untranslated or fuzzy: {msgid!r}", file=sys.stderr)
sys.exit(1 if todo else 0)
PY
done
exit $status
