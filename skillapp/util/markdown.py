"""Markdown → sanitised HTML for lessons, questions and explanations.

markdown-it-py renders CommonMark with tables and raw HTML switched off (so any
HTML in the source is shown as text); nh3 (ammonia) then removes anything not
on an allow-list, as a second line of defence.
"""

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


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


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
