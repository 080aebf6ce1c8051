"""The Japanese catalog is complete and compiled, and the app serves it.

When a test here fails after a UI string changed, run scripts/i18n.sh, translate
the new entries in skillapp/translations/ja/LC_MESSAGES/messages.po, and run the
script again (it recompiles the .mo).
"""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "skillapp" / "translations"
TEMPLATES = ROOT / "skillapp" / "templates"
LOCALE = "ja"
PO_FILE = TRANSLATIONS / LOCALE / "LC_MESSAGES" / "messages.po"

# A printf-style conversion, as Python's % operator (and so gettext(..., n=...)
# in Python and in Jinja's new-style gettext) reads it.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Messages extracted from the current source, exactly as scripts/i18n.sh does."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    result = subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "extract",
            "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
            "--ignore-dirs", ".* __pycache__",
            "-o", str(pot), ".",
        ],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with pot.open("rb") as f:
        catalog = read_po(f)
    return catalog, result.stderr


@pytest.fixture(scope="module")
def po_catalog():
    with PO_FILE.open("rb") as f:
        return read_po(f, locale=LOCALE)


def _key(message):
    return (message.context, message.id)


def _strings(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def test_every_template_is_scanned(extracted):
    # pybabel skips directories named _* unless told otherwise (templates/_macros).
    _catalog, log = extracted
    for template in TEMPLATES.rglob("*.html"):
        assert f"extracting messages from {template.relative_to(ROOT)}" in log


def test_extraction_finds_python_and_template_strings(extracted):
    catalog, _log = extracted
    files = {path for message in catalog if message.id for path, _line in message.locations}
    assert any(path.endswith(".py") for path in files)
    assert any(path.endswith(".html") for path in files)


def test_every_message_is_translated(extracted, po_catalog):
    catalog, _log = extracted
    problems = []
    for message in catalog:
        if not message.id:
            continue
        translated = po_catalog.get(message.id, context=message.context)
        if translated is None:
            problems.append(f"not in {PO_FILE.name}: {message.id!r}")
        elif translated.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(s.strip() for s in _strings(translated.string)):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, "run scripts/i18n.sh and translate:\n" + "\n".join(problems)


def test_compiled_catalog_matches_po(extracted, po_catalog):
    catalog, _log = extracted
    translations = Translations.load(str(TRANSLATIONS), [LOCALE])
    assert isinstance(translations, Translations), "no compiled .mo for ja"
    stale = []
    for message in catalog:
        if not message.id:
            continue
        translated = po_catalog.get(message.id, context=message.context)
        if translated is None or translated.fuzzy:
            continue  # reported by test_every_message_is_translated
        expected = _strings(translated.string)[0]
        if message.pluralizable:
            singular, plural = message.id
            if message.context:
                got = translations.npgettext(message.context, singular, plural, 1)
            else:
                got = translations.ngettext(singular, plural, 1)
        elif message.context:
            got = translations.pgettext(message.context, message.id)
        else:
            got = translations.gettext(message.id)
        if got != expected:
            stale.append(f"{message.id!r}: .mo has {got!r}, .po has {expected!r}")
    assert not stale, "the .mo is stale; run scripts/i18n.sh:\n" + "\n".join(stale)


def test_placeholders_match(po_catalog):
    problems = []
    for message in po_catalog:
        if not message.id or not message.string:
            continue
        ids = _strings(message.id)
        wanted = _placeholders(ids[-1]) | _placeholders(ids[0])
        for string in _strings(message.string):
            got = _placeholders(string)
            if got != wanted:
                problems.append(f"{message.id!r}: {sorted(got)} != {sorted(wanted)}")
            # A bare % breaks new-style gettext in templates, which always
            # applies the % operator.
            if "%" in PLACEHOLDER.sub("", string):
                problems.append(f"{message.id!r}: stray % in {string!r}")
    assert not problems, "\n".join(problems)


def test_no_obsolete_or_duplicate_keys(po_catalog):
    keys = [_key(m) for m in po_catalog if m.id]
    assert len(keys) == len(set(keys))
    assert not po_catalog.obsolete


def test_login_page_is_japanese_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="ja"' in html
    assert "ログイン" in html
    assert "職員番号" in html  # a lazy_gettext form label
    assert "パスワード" in html
    assert "Log in" not in html
    assert "Staff number" not in html


def test_language_switch_to_english(client):
    response = client.post(
        "/language", data={"locale": "en", "next": "/login"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert response.request.path == "/login"
    html = response.get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Log in" in html
    assert "Staff number" in html
    assert "職員番号" not in html

    response = client.post(
        "/language", data={"locale": "ja", "next": "/login"}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert '<html lang="ja"' in html
    assert "ログイン" in html


def test_csrf_fields_carry_no_id(csrf_app):
    """Pages with several forms must not repeat id="csrf_token" (WCAG 4.1.1)."""
    from skillapp.assignments.forms import AssignmentForm
    from skillapp.forms import CsrfOnlyForm

    with csrf_app.test_request_context("/"):
        for form in (CsrfOnlyForm(), AssignmentForm()):
            hidden = str(form.hidden_tag())
            assert 'name="csrf_token"' in hidden and "id=" not in hidden
