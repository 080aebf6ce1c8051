"""Table alignment in lessons (``| ---: |``) reaches the reader under the
Content-Security-Policy, which blocks inline styles: cells carry
``class="align-…"``, never ``style=``, and the stylesheet aligns those classes."""

import re

from sqlalchemy import select

from skillapp.authoring.sync import sync_content_dir
from skillapp.extensions import db
from skillapp.learning.models import Module
from skillapp.util.markdown import render_markdown
from tests.conftest import write_module

TABLE = """# 予算の推移

| 年度 | 事業 | 金額（千円） |
| :--- | :---: | ---: |
| 2025 | 窓口DX | 1,200 |
| 2026 | 窓口DX | 2,400 |
"""


def _cells(html: str) -> list[tuple[str, str]]:
    """(tag, attributes) of every table cell."""
    return re.findall(r"<(th|td)\b([^>]*)>", html)


def test_aligned_cells_get_classes_and_no_style():
    html = render_markdown(TABLE)
    cells = _cells(html)
    assert len(cells) == 9
    assert [attrs.strip() for _, attrs in cells[:3]] == [
        'class="align-left"',
        'class="align-center"',
        'class="align-right"',
    ]
    assert all("align-" in attrs for _, attrs in cells)
    assert "style" not in html


def test_the_lesson_page_shows_aligned_cells_the_stylesheet_aligns(
    app, client, login, make_user, tmp_path
):
    root = tmp_path / "content"
    folder = write_module(root, "budget", lessons=1)
    (folder / "lessons" / "01-lesson.md").write_text(TABLE, "utf-8")
    report = sync_content_dir(db.session, root)
    assert not report.problems, [str(p) for p in report.problems]
    db.session.commit()
    module = db.session.scalar(select(Module).where(Module.slug == "budget"))
    key = module.current_version.lessons[0].key

    login(make_user())
    response = client.get(f"/modules/budget/lessons/{key}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    lesson = page[page.index('<article class="lesson">') : page.index("</article>")]
    assert 'class="align-right"' in lesson and 'class="align-center"' in lesson
    assert " style=" not in lesson  # the CSP (style-src 'self') would block it
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]

    stylesheet = client.get("/static/css/app.css")  # the one the page links
    css = stylesheet.get_data(as_text=True)
    stylesheet.close()
    assert "/static/css/app.css" in page
    for side in ("left", "center", "right"):
        rule = re.search(rf"\.lesson \.align-{side}\s*{{([^}}]*)}}", css)
        assert rule and f"text-align: {side}" in rule.group(1), side
