"""Markdown → sanitised HTML for lessons, questions and explanations.

markdown-it-py renders CommonMark with tables and raw HTML switched off (so any
HTML in the source is shown as text); nh3 (ammonia) then removes anything not
on an allow-list, as a second line of defence.
"""

import unicodedata
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


def render_markdown(source: str) -> str:
    return sanitize_html(_parser().render(source or ""))


def render_inline(source: str) -> str:
    """A short text (a question, an option) without block wrappers."""
    return sanitize_html(_parser().renderInline(source or ""))
