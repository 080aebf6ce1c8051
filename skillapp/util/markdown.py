"""Markdown → sanitised HTML for lessons, questions and explanations.

markdown-it-py renders CommonMark with tables and raw HTML switched off (so any
HTML in the source is shown as text); nh3 (ammonia) then removes anything not
on an allow-list, as a second line of defence.
"""

import types
import unicodedata
from collections.abc import Mapping
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Scanned, StateInline
from mdit_py_plugins.container import container_plugin

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "aside",
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
    "ol": {"start"},
}
# The only classes the renderer sets; anything else is dropped.
_ALLOWED_CLASSES = {
    "td": {"align-left", "align-center", "align-right"},
    "th": {"align-left", "align-center", "align-right"},
    "aside": {"reference-case"},
    "p": {"reference-case__label"},
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


class _CJKFriendlyState(StateInline):
    """CommonMark emphasis that also works in Japanese text.

    CommonMark lets ``**`` close only when it is not preceded by punctuation or
    is followed by space or punctuation, so 「**どんな『困った』**を」 shows its
    asterisks: 』 is punctuation and を is neither. Japanese has no spaces between
    words, so, as in the CJK-friendly amendment to CommonMark, a wide (CJK)
    character next to the run counts like the space or punctuation the rule asks for.
    """

    def scanDelims(self, start: int, canSplitWord: bool) -> Scanned:  # markdown-it's name
        pos = start
        marker = self.src[start]
        last = self.src[start - 1] if start > 0 else " "
        while pos < self.posMax and self.src[pos] == marker:
            pos += 1
        following = self.src[pos] if pos < self.posMax else " "
        last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
        next_punct = isMdAsciiPunct(ord(following)) or isPunctChar(following)
        last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(following))
        left = not next_space and (not next_punct or last_space or last_punct or _is_wide(last))
        right = not last_space and (
            not last_punct or next_space or next_punct or _is_wide(following)
        )
        can_open = left and (canSplitWord or not right or last_punct)
        can_close = right and (canSplitWord or not left or next_punct)
        return Scanned(can_open, can_close, pos - start)


def _parse_inline(self, src, md, env, tokens):
    # ParserInline.parse with the state above (markdown-it offers no hook for it).
    state = _CJKFriendlyState(src, md, env, tokens)
    self.tokenize(state)
    for rule in self.ruler2.getRules(""):
        rule(state)
    return state.tokens


REFERENCE_CASE = "参考事例"


def _is_reference_case(params: str, *_args) -> bool:
    words = params.split()
    return bool(words) and words[0] == REFERENCE_CASE


def _render_reference_case(renderer, tokens, idx, _options, _env) -> str:
    """``::: 参考事例 <source>`` … ``:::``: another city's facts, set apart and
    labelled so that no reader takes them for their own city's."""
    token = tokens[idx]
    if token.nesting == -1:
        return "</aside>\n"
    source = token.info.strip()[len(REFERENCE_CASE) :].strip()
    label = f"<strong>{REFERENCE_CASE}</strong>"
    if source:
        label += f"　{escapeHtml(source)}"
    return f'<aside class="reference-case">\n<p class="reference-case__label">{label}</p>\n'


def _align_by_class(tokens) -> None:
    """Table cells align by class, not by a style attribute, which the
    Content-Security-Policy (no inline styles) would block."""
    for token in tokens:
        if token.type in ("th_open", "td_open"):
            style = str(token.attrGet("style") or "")
            if style.startswith("text-align:"):
                token.attrs.pop("style", None)
                token.attrSet("class", "align-" + style.split(":", 1)[1].strip())


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False}
    ).enable(["table", "strikethrough"])
    parser.add_render_rule("softbreak", _softbreak)
    parser.inline.parse = types.MethodType(_parse_inline, parser.inline)
    container_plugin(
        parser, REFERENCE_CASE, validate=_is_reference_case, render=_render_reference_case
    )
    return parser


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        allowed_classes=_ALLOWED_CLASSES,
    )


def render_markdown(source: str, images: Mapping[str, str] | None = None) -> str:
    """Lesson Markdown as safe HTML. ``images`` maps an image reference as written
    in the lesson (``../images/chart.png``) to the address the app serves it at."""
    parser = _parser()
    tokens = parser.parse(source or "")
    _align_by_class(tokens)
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
