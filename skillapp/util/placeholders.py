"""Placeholders in content: ``{{city}}`` and friends, resolved when a page is shown.

The bundled curriculum speaks to the reader's own city. Lessons, module
summaries and questions write ``{{city}}``, ``{{guideline}}`` and ``{{plan}}``
where the city's name and the names of its documents belong; the values come
from the city profile an administrator keeps (docs/content-format.md). Two
block placeholders stand alone on a line of a lesson: ``{{targets}}`` (the
city's indicator targets, live from HR's data) and ``{{principles}}`` (the
city's own statement of its principles, or nothing).

Pure: the loader checks names with ``problems_in``; pages substitute with
``fill_text`` (plain text, escaped) and ``fill_html`` (sanitised lesson HTML).
Every value is escaped as it goes in, so a city name can never inject markup.
"""

import re
from collections.abc import Mapping

from markupsafe import Markup, escape

INLINE = ("city", "guideline", "plan")
BLOCK = ("targets", "principles")
NAMES = INLINE + BLOCK

TOKEN_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# A block placeholder as markdown-it renders a paragraph that holds only it.
_BLOCK_HTML_RE = re.compile(r"<p>\s*\{\{\s*(" + "|".join(BLOCK) + r")\s*\}\}\s*</p>")


def problems_in(text: str, *, blocks: bool) -> list[tuple[int, str]]:
    """(1-based line, problem code) for every faulty placeholder in ``text``.

    Codes: ``unknown:<name>`` (no such placeholder), ``block:<name>`` (a block
    placeholder where only inline ones may stand, or not alone on its line),
    ``unclosed`` (``{{`` without ``}}`` on the same line).
    """
    found = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        for match in TOKEN_RE.finditer(line):
            name = match.group(1)
            if name not in NAMES:
                found.append((number, f"unknown:{name}"))
            elif name in BLOCK and not (blocks and _alone(lines, number - 1, match)):
                found.append((number, f"block:{name}"))
        if "{{" in TOKEN_RE.sub("", line):
            found.append((number, "unclosed"))
    return found


def _alone(lines: list[str], index: int, match: re.Match) -> bool:
    """A block placeholder is a paragraph of its own: alone on its line, with a
    blank line (or the start or end of the text) before and after it."""
    if lines[index].strip() != match.group(0):
        return False
    before = index == 0 or not lines[index - 1].strip()
    after = index == len(lines) - 1 or not lines[index + 1].strip()
    return before and after


def fill_text(text: str, values: Mapping[str, str]) -> Markup:
    """Plain text (a question, an option, a summary) as escaped HTML with its
    inline placeholders filled in. Unknown or block names are left as written."""
    parts = []
    last = 0
    for match in TOKEN_RE.finditer(text or ""):
        name = match.group(1)
        if name in INLINE:
            parts.append(escape(text[last : match.start()]))
            parts.append(escape(values.get(name, "")))
            last = match.end()
    parts.append(escape((text or "")[last:]))
    return Markup("").join(parts)


def fill_plain(text: str, values: Mapping[str, str]) -> str:
    """Like ``fill_text`` but returns plain (unescaped) text, for JSON and files."""
    return TOKEN_RE.sub(
        lambda m: values.get(m.group(1), "") if m.group(1) in INLINE else m.group(0), text or ""
    )


def fill_html(html: str, values: Mapping[str, str], blocks: Mapping[str, Markup]) -> Markup:
    """Sanitised lesson HTML with its placeholders filled in: inline ones by
    escaped values, block ones (a paragraph of their own) by ``blocks`` HTML,
    which the caller builds from escaped data."""
    html = _BLOCK_HTML_RE.sub(lambda m: str(blocks.get(m.group(1), "")), html or "")

    def inline(match: re.Match) -> str:
        name = match.group(1)
        if name in INLINE:
            return str(escape(values.get(name, "")))
        return match.group(0)

    return Markup(TOKEN_RE.sub(inline, html))  # noqa: S704 (html is sanitised; values escaped)
