"""Exports are named in the page's language (RFC 5987 ``filename*``) with a
plain fallback, the UTF-8 and Shift_JIS CSVs apart; the indicators PDF writes
its gaps as the page does (issue 14, item 26)."""

import re
from urllib.parse import unquote

from skillapp.extensions import db
from skillapp.metrics.indicators import compute_indicators
from skillapp.metrics.reports import format_gap
from skillapp.util.downloads import content_disposition, file_name
from tests.metrics.test_indicator_pages import hr, text_of  # noqa: F401 — the fixture
from tests.metrics.test_indicators import city  # noqa: F401 — the fixture


def names(response) -> tuple[str, str]:
    """(the name in filename*, the plain fallback in filename)."""
    header = response.headers["Content-Disposition"]
    assert header.startswith("attachment; ")
    plain = re.search(r'filename="([^"]+)"', header).group(1)
    encoded = re.search(r"filename\*=UTF-8''(\S+)", header).group(1)
    assert plain.isascii()
    return unquote(encoded), plain


def test_tables_download_with_japanese_names_and_both_csvs_apart(client, hr):  # noqa: F811
    utf8 = names(client.get("/hr/indicators/figures.csv?fy=2026"))
    sjis = names(client.get("/hr/indicators/figures.csv?fy=2026&encoding=cp932"))
    assert utf8 == ("人材育成指標_2026年度_UTF-8.csv", "indicators-FY2026-utf8.csv")
    assert sjis == ("人材育成指標_2026年度_Shift_JIS.csv", "indicators-FY2026-sjis.csv")
    assert (
        names(client.get("/hr/indicators/figures.xlsx?fy=2026"))[0] == "人材育成指標_2026年度.xlsx"
    )
    assert names(client.get("/hr/indicators/figures.pdf?fy=2026"))[0] == "人材育成指標_2026年度.pdf"
    pending = names(client.get("/hr/dashboard/dx-literacy/pending.csv?fy=2026"))
    assert pending[0].endswith("_2026年度_UTF-8.csv") and pending[0].startswith(
        "未修了の職員_テスト dx-literacy_"
    )
    assert pending[1] == "not-yet-dx-literacy-FY2026-utf8.csv"
    assert names(client.get("/hr/indicators/report.pdf?fiscal_year=2026")) == (
        "人材育成指標 年次報告_2026年度.pdf",
        "annual-report-FY2026.pdf",
    )


def test_english_pages_name_files_in_english(client, hr):  # noqa: F811
    hr.locale = "en"
    db.session.commit()
    name, _plain = names(client.get("/hr/indicators/figures.csv?fy=2026&encoding=cp932"))
    assert name == "HR-development indicators_FY2026_Shift_JIS.csv"


def test_file_names_hold_no_path_or_reserved_characters():
    assert file_name('a/b\\c:d*e?f"g<h>i|j', "x\x00y", ext="csv") == "a_b_c_d_e_f_g_h_i_j_x_y.csv"
    assert file_name("  ..", ext="pdf") == "download.pdf"
    assert len(file_name("長" * 500, ext="csv")) == 124
    header = content_disposition("修了証 1.pdf", "certificate-1.pdf")
    assert header == (
        'attachment; filename="certificate-1.pdf"; '
        "filename*=UTF-8''%E4%BF%AE%E4%BA%86%E8%A8%BC%201.pdf"
    )


def test_the_indicators_pdf_writes_gaps_as_the_page_does(client, hr, poppler):  # noqa: F811
    page = text_of(client.get("/hr/indicators?fy=2026").get_data(as_text=True))
    pdf = poppler.text(client.get("/hr/indicators/figures.pdf?fy=2026").data)
    figures = compute_indicators(db.session, 2026)
    gaps = [
        format_gap(row.gap, result.indicator)
        for result in figures.results
        for row in result.rows
        if row.gap is not None
    ]
    assert "+35.0ポイント" in gaps
    for gap in gaps:
        assert gap in page, gap
        assert gap in pdf, gap
    # The spreadsheet keeps a number (text starting with + would be a formula).
    csv = client.get("/hr/indicators/figures.csv?fy=2026").get_data().decode("utf-8-sig")
    assert ",35.0," in csv and "ポイント" not in csv
