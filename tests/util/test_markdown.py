from html.parser import HTMLParser

import pytest

from skillapp.util.markdown import render_markdown

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](vbscript:msgbox(1))",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("source", XSS)
def test_lesson_markdown_renders_inert(source):
    parser = _Tags()
    parser.feed(render_markdown(source))
    for tag, attrs in parser.found:
        assert tag in {"p", "a", "img", "code", "em", "strong"}, (source, tag)
        assert not any(name.startswith("on") or name == "style" for name in attrs), source
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:")), source


def test_tables_links_and_emphasis_survive():
    html = render_markdown(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n**太字** [リンク](https://example.jp)"
    )
    assert "<table>" in html and "<strong>太字</strong>" in html
    assert 'href="https://example.jp"' in html and 'rel="noopener noreferrer"' in html


def test_line_breaks_inside_japanese_are_not_spaces():
    assert (
        render_markdown("教材を読み、\n確認テストを受けます。")
        == "<p>教材を読み、確認テストを受けます。</p>\n"
    )
    assert render_markdown("one\ntwo") == "<p>one\ntwo</p>\n"


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # Plain CommonMark leaves these asterisks as text: 』 is punctuation, を is not.
        (
            "「**どんな『困った』**を解決するか」",
            "「<strong>どんな『困った』</strong>を解決するか」",
        ),
        ("**「重要」**です", "<strong>「重要」</strong>です"),
        ("「*強調*」を", "「<em>強調</em>」を"),
        ("**太字**と*斜体*", "<strong>太字</strong>と<em>斜体</em>"),
        # Latin text keeps the CommonMark rules.
        ("a **b** c", "a <strong>b</strong> c"),
        ("snake_case_word", "snake_case_word"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        ("** not bold **", "** not bold **"),
    ],
)
def test_emphasis_works_in_japanese_text(source, html):
    assert render_markdown(source) == f"<p>{html}</p>\n"
