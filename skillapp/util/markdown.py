"""Markdown → sanitised HTML for lessons, questions and explanations.

markdown-it-py renders CommonMark with tables and raw HTML switched off (so any
HTML in the source is shown as text); nh3 (ammonia) then removes anything not
on an allow-list, as a second line of defence.
"""

import unicodedata
from collections.abc import Mapping
from functools import cache

import nh3
from markdown_it import MarkdownIt

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"style"},
    "th": {"style"},
    "ol": {"start"},
}


def _is_wide(char: str) -> bool:
    """CJK characters and full-width punctuation: text where a line break is no space."""
    return bool(char) and unicodedata.east_asian_width(char) in ("W", "F")


def _softbreak(_renderer, tokens, idx, _options, _env):
    # A line break inside a Japanese paragraph is a convenience of the source,
    # not a space: render nothing between two wide characters.
    before = tokens[idx - 1].content[-1:] if idx > 0 else ""
    after = tokens[idx + 1].content[:1] if idx + 1 < len(tokens) else ""
    if _is_wide(before) or _is_wide(after):
        return ""
    return "\n"


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False}
    ).enable(["table", "strikethrough"])
    parser.add_render_rule("softbreak", _softbreak)
    return parser


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
    )


def render_markdown(source: str, images: Mapping[str, str] | None = None) -> str:
    """Lesson Markdown as safe HTML. ``images`` maps an image reference as written
    in the lesson (``../images/chart.png``) to the address the app serves it at."""
    parser = _parser()
    tokens = parser.parse(source or "")
    if images:
        for image in _image_tokens(tokens):
            src = image.attrGet("src")
            if src in images:
                image.attrSet("src", images[src])
    return sanitize_html(parser.renderer.render(tokens, parser.options, {}))


def image_sources(source: str) -> list[tuple[int, str]]:
    """(1-based line, src) of every image in the Markdown, in order."""
    found = []
    for block in _parser().parse(source or ""):
        if block.type != "inline" or not block.children:
            continue
        line = (block.map[0] if block.map else 0) + 1
        for child in block.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "image":
                found.append((line, str(child.attrGet("src") or "")))
    return found


def _image_tokens(tokens):
    for block in tokens:
        for child in block.children or ():
            if child.type == "image":
                yield child


def render_inline(source: str) -> str:
    """A short text (a question, an option) without block wrappers."""
    return sanitize_html(_parser().renderInline(source or ""))
