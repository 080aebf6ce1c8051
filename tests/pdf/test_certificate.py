"""certificate_pdf: a pure function of its data."""

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from PIL import Image

from skillapp.pdf.certificate import CertificateData, both_calendars, certificate_pdf

DATA = CertificateData(
    city="デモ市",
    number="2026-000012",
    name="山﨑 花子",
    department="総務部デジタル推進課",
    title="行動原則・マインドセット",
    is_assessment=False,
    score=85,
    completed_on=date(2026, 11, 22),
    issued_at=datetime(2026, 11, 22, 16, 0, tzinfo=UTC),  # 23 November in Japan
    code="ABCD-EFGH-JKMN-PQRS",
    verify_url="https://skillapp.example.lg.jp/certificates/verify/ABCD-EFGH-JKMN-PQRS",
)


def test_both_calendars():
    assert both_calendars(date(2026, 11, 22)) == "令和8年11月22日（2026年11月22日）"
    assert both_calendars(date(2019, 5, 1)) == "令和元年5月1日（2019年5月1日）"


def test_text_fonts_and_page(poppler):
    data = certificate_pdf(DATA)
    text = poppler.text(data)
    flat = text.replace("\n", "")
    for expected in (
        "第 2026-000012 号",
        "山﨑 花子",
        "総務部デジタル推進課",
        "研修を修了したことを証します",
        "行動原則・マインドセット",
        "85点（100点満点・70点以上で合格）",
        "修了日",
        "令和8年11月22日（2026年11月22日）",
        "発行日",
        "令和8年11月23日（2026年11月23日）",  # issued_at in Japan time
        "デモ市",
        "ABCD-EFGH-JKMN-PQRS",
        DATA.verify_url,
    ):
        assert expected in flat, expected
    assert poppler.pages(data) == 1
    fonts = poppler.fonts(data)
    assert "BIZUDGothic-Regular" in fonts and "BIZUDGothic-Bold" in fonts
    for line in fonts.splitlines()[2:]:
        assert re.search(r"\byes\s+yes\s+yes\b", line), line  # embedded, subset, unicode
    info = poppler.info(data)
    assert info["Title"] == "修了証 第2026-000012号"
    assert info["Author"] == "デモ市"
    assert b"/Lang (ja)" in data
    assert info["Page size"].endswith("(A4)")
    [page] = poppler.render(data, dpi=40)
    with Image.open(page) as image:
        assert sum(image.convert("L").histogram()[:128]) > 1000


def test_same_data_same_bytes_and_small():
    first = certificate_pdf(DATA)
    assert certificate_pdf(DATA) == first
    assert len(first) < 200_000  # only the glyphs used are embedded
    assert certificate_pdf(replace(DATA, score=86)) != first


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("髙橋 一郎", "EBPM"),
        ("ｱﾙﾌｧﾍﾞｯﾄ・ｶﾀｶﾅ・ﾅﾏｴ・ﾃｽﾄ" * 3, "長い研修名" * 40),  # shrinks and wraps
        ("<b>太郎</b> & 花子", '<img src="/etc/passwd"/>'),  # text, never markup
    ],
)
def test_names_and_titles_of_any_length(poppler, name, title):
    data = certificate_pdf(replace(DATA, name=name, title=title, department=""))
    flat = poppler.text(data).replace("\n", "")
    assert name in flat
    assert title in flat
    assert poppler.pages(data) == 1


def test_assessment_wording(poppler):
    flat = poppler.text(certificate_pdf(replace(DATA, is_assessment=True))).replace("\n", "")
    assert "試験に合格したことを証します" in flat and "試験名" in flat and "合格日" in flat


def _overlapping(words):
    """Pairs of words whose boxes intersect: text drawn over other text."""
    return [
        (a[0], b[0])
        for i, a in enumerate(words)
        for b in words[i + 1 :]
        if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]
    ]


LONG_CITY = "北海道札幌市中央区まちづくり推進特別自治区市役所" * 2


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"city": LONG_CITY},
        {"city": LONG_CITY * 2},  # four lines at 14 pt would run into the table
        {"city": LONG_CITY, "title": "長い研修名" * 40, "department": "とても長い所属" * 12},
        {"name": "ｱﾙﾌｧﾍﾞｯﾄ・ｶﾀｶﾅ・ﾅﾏｴ・ﾃｽﾄ" * 3, "is_assessment": True},
    ],
)
def test_nothing_is_printed_over_anything_else(poppler, changes):
    """Long names, titles, departments and city names shrink or wrap; no text
    runs into other text, and「…したことを証します。」is never split."""
    data = certificate_pdf(replace(DATA, **changes))
    words = poppler.words(data)
    assert len(words) > 15
    assert _overlapping(words) == []
    assert any(w[0].endswith("したことを証します。") and w[0].startswith("下記の") for w in words)
    assert poppler.pages(data) == 1
