"""table_pdf: Japanese text survives extraction, pages break with the heading
row repeated, every page is numbered, and the context lines come first; the
work grows in proportion to the rows, and a build can be stopped between pages."""

import re
from datetime import UTC, datetime

import pytest
from PIL import Image
from reportlab.platypus import tables

from skillapp.pdf.fonts import BOLD, REGULAR, missing_glyphs, register_fonts
from skillapp.pdf.table import BuildStopped, _column_widths, table_pdf

HEADERS = ["職員番号", "氏名", "所属", "職層", "最高点"]
NAMES = ["髙橋 一郎", "山﨑 花子", "渡邊 次郎"]


def rows(n):
    return [
        [
            f"{100000 + i}",
            NAMES[i % 3],
            "総務部総務課",
            "主査・主事",
            (40 + i % 30) if i % 2 else None,
        ]
        for i in range(n)
    ]


def test_the_font_has_the_glyphs_names_need():
    assert register_fonts() == (REGULAR, BOLD)
    assert register_fonts() == (REGULAR, BOLD)  # registered once, then cached
    text = "髙橋 山﨑 渡邊 齋藤 德永 修了証 令和元年度 〒①㈱ ABCabc123"
    assert missing_glyphs(text) == set()
    assert missing_glyphs(text, BOLD) == set()


def test_japanese_text_is_extracted_and_the_font_embedded(poppler):
    data = table_pdf(
        "未修了者一覧 — DXリテラシー",
        ["年度: 2026年度（令和8年度）", "名簿基準日: 2027-03-31", "職層: 全て"],
        HEADERS,
        rows(3),
    )
    assert data.startswith(b"%PDF-")
    text = poppler.text(data)
    for expected in ("未修了者一覧", "2026年度（令和8年度）", "2027-03-31", *NAMES, "最高点"):
        assert expected in text
    fonts = poppler.fonts(data)
    assert "BIZUDGothic" in fonts
    # Every font in the file is embedded (no viewer-dependent fallback).
    for line in fonts.splitlines()[2:]:
        assert re.search(r"\byes\s+yes\s+yes\b", line), line
    info = poppler.info(data)
    assert info["Title"] == "未修了者一覧 — DXリテラシー"
    assert info["Author"] == ""  # no city given
    assert b"/Lang (ja)" in data  # the document language, for screen readers
    signed = table_pdf("一覧", [], HEADERS, rows(1), author="デモ市")
    info = poppler.info(signed)
    assert (info["Author"], info["Subject"], info["Creator"]) == ("デモ市", "一覧", "skillapp")


def test_long_tables_repeat_the_heading_and_number_the_pages(poppler):
    data = table_pdf("一覧", ["年度: 2026年度"], HEADERS, rows(300))
    pages = poppler.pages(data)
    assert pages >= 3
    for page in range(1, pages + 1):
        text = poppler.text(data, page=page, layout=True)
        assert "職員番号" in text and "最高点" in text, page
        assert f"{page} / {pages}" in text
        assert "一覧" in text  # the title at each page's foot
    assert "年度: 2026年度" in poppler.text(data, page=1)
    assert "年度: 2026年度" not in poppler.text(data, page=2)
    everything = poppler.text(data)
    assert "100000" in everything and "100299" in everything


def test_pages_render_as_pictures(poppler):
    data = table_pdf("一覧", ["年度: 2026年度"], HEADERS, rows(120))
    images = poppler.render(data)
    assert len(images) == poppler.pages(data) >= 2
    for path in images:
        with Image.open(path) as image:
            assert image.width < image.height  # A4 portrait
            dark = sum(image.convert("L").histogram()[:128])
            assert dark > 500, path  # there is ink on the page


def test_many_columns_turn_landscape_and_long_text_wraps(poppler):
    headers = [f"列{i}" for i in range(8)]
    long_text = "とても長い所属の名前" * 8
    data = table_pdf("横長", [], headers, [[long_text] + ["値"] * 7])
    [image] = poppler.render(data)
    with Image.open(image) as picture:
        assert picture.width > picture.height
    text = poppler.text(data)
    assert text.replace("\n", "").count("とても長い所属の名前") == 8


def test_markup_in_values_is_text_not_markup(poppler):
    data = table_pdf("<b>見出し</b> & 一覧", ['<img src="/etc/passwd"/>'], ["a<b>"], [["x & <y>"]])
    text = poppler.text(data)
    assert "<b>見出し</b> & 一覧" in text
    assert '<img src="/etc/passwd"/>' in text
    assert "x & <y>" in text


def test_empty_table_and_blank_cells():
    assert table_pdf("空", [], HEADERS, []).startswith(b"%PDF-")
    assert table_pdf("空", [], HEADERS, [[None, "", 0, 1.5, True]]).startswith(b"%PDF-")


def test_same_data_same_bytes_and_the_creation_date(poppler):
    assert table_pdf("一覧", ["a"], HEADERS, rows(5)) == table_pdf("一覧", ["a"], HEADERS, rows(5))
    created = datetime(2026, 11, 22, 1, 2, 3, tzinfo=UTC)
    data = table_pdf("一覧", [], HEADERS, rows(1), created=created)
    assert poppler.info(data)["CreationDate"].startswith("Sun Nov 22 01:02:03 2026 UTC")


def test_column_widths_share_what_is_left():
    assert _column_widths([10, 20], 60) == [25, 35]
    assert _column_widths([10, 100, 100], 110) == [10, 50, 50]
    assert sum(_column_widths([300, 300, 5], 200)) == 200


def rows_laid_out(monkeypatch, n: int) -> int:
    """How many rows reportlab's tables are given, in all, to print ``n`` rows."""
    given = []
    init = tables.Table.__init__

    def counting(self, data, *args, **kwargs):
        given.append(len(data))
        init(self, data, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(tables.Table, "__init__", counting)
        table_pdf("一覧", [], HEADERS, rows(n))
    return sum(given)


def test_the_work_grows_in_proportion_to_the_rows(monkeypatch):
    # reportlab splits one long table by copying all the rows below each page
    # break into a new table, so the work grew with the square of the rows:
    # 1,600 rows gave tables of 30,329 rows in all (19 a row, and more the
    # longer the list). Each page now gets a table of its own rows and the few
    # more it tried: about 2.4 a row, whatever the length.
    small, large = rows_laid_out(monkeypatch, 400), rows_laid_out(monkeypatch, 1600)
    assert large <= 3 * 1600, large
    assert large / small < 4.5, (small, large)


def test_every_row_is_printed_once_in_order_across_pages(poppler):
    # Tall rows (a long department wraps onto several lines) then short ones,
    # so that a page holds far more rows than the one before it.
    long_unit = "福祉部高齢者支援課地域包括ケア推進係" * 6
    data_rows = [[f"{100000 + i}", "髙橋 一郎", long_unit, "主事", i] for i in range(60)]
    data_rows += [[f"{100000 + i}", "山﨑 花子", "総務課", "主事", i] for i in range(60, 900)]
    data = table_pdf("一覧", ["年度: 2026年度"], HEADERS, data_rows, orientation="portrait")
    pages = poppler.pages(data)
    numbers = []
    for page in range(1, pages + 1):
        text = poppler.text(data, page=page, layout=True)
        assert text.count("職員番号") == 1, page  # the heading once on every page
        assert f"{page} / {pages}" in text
        numbers += [int(n) for n in re.findall(r"\b1\d{5}\b", text)]
    assert numbers == list(range(100000, 100900))


def test_a_build_asks_between_pages_whether_to_stop():
    asked = []

    def never():
        asked.append(1)
        return False

    data = table_pdf("一覧", [], HEADERS, rows(300), should_stop=never)
    pages = len(re.findall(rb"/Type /Page\b(?!s)", data))
    assert pages >= 6 and len(asked) >= pages
    # The client goes while the third page is laid out: no more pages are made.
    asked.clear()

    def after_two():
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(BuildStopped):
        table_pdf("一覧", [], HEADERS, rows(5000), should_stop=after_two)
    assert len(asked) == 3
    # Already gone: nothing is laid out at all.
    with pytest.raises(BuildStopped):
        table_pdf("一覧", [], HEADERS, rows(5000), should_stop=lambda: True)
