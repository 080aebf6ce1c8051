from datetime import UTC, date, datetime

import pytest

from skillapp.util.dates import (
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_of,
    format_wareki,
    parse_local_datetime,
)


@pytest.mark.parametrize(
    ("moment", "fy"),
    [
        ("2027-03-31T23:59:59+09:00", 2026),
        ("2027-03-31T15:00:00Z", 2027),  # = 2027-04-01 00:00 JST
        ("2027-03-31T14:59:59Z", 2026),
        ("2026-04-01T00:00:00+09:00", 2026),
        ("2026-03-31T15:30:00Z", 2026),  # 00:30 JST on 1 April
        ("2026-11-22T10:00:00", 2026),  # no offset: Japan time
    ],
)
def test_fiscal_year_in_japan_time(moment, fy):
    assert fiscal_year_of(parse_local_datetime(moment)) == fy


def test_fiscal_year_bounds_are_jst_midnights():
    start, end = fiscal_year_bounds(2026)
    assert start == datetime(2026, 3, 31, 15, tzinfo=UTC)
    assert end == datetime(2027, 3, 31, 15, tzinfo=UTC)


def test_labels():
    assert fiscal_year_label(2026) == "2026年度（令和8年度）"
    assert fiscal_year_label(2019) == "2019年度（令和元年度）"
    assert fiscal_year_label(2018) == "2018年度（平成30年度）"
    assert format_wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert format_wareki(date(2026, 11, 22)) == "令和8年11月22日"


@pytest.mark.parametrize(
    ("day", "wareki"),
    [
        (date(2019, 4, 30), "平成31年4月30日"),  # the last day of 平成
        (date(2019, 5, 1), "令和元年5月1日"),  # 令和 begins: its first year is 元年
        (date(2019, 12, 31), "令和元年12月31日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(1989, 1, 7), "昭和64年1月7日"),  # the last day of 昭和
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1990, 1, 1), "平成2年1月1日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
    ],
)
def test_era_boundaries(day, wareki):
    assert format_wareki(day) == wareki


def test_fiscal_year_labels_around_era_changes():
    # FY2019 began under 平成 (1 April 2019) but is called 令和元年度.
    assert fiscal_year_label(2019) == "2019年度（令和元年度）"
    assert fiscal_year_label(2020) == "2020年度（令和2年度）"
    assert fiscal_year_label(1989) == "1989年度（平成元年度）"
    assert fiscal_year_label(1988) == "1988年度（昭和63年度）"


def test_fiscal_year_labels_in_english():
    assert fiscal_year_label(2026, "en") == "FY2026 (Reiwa 8)"
    assert fiscal_year_label(2019, "en") == "FY2019 (Reiwa 1)"
    assert fiscal_year_label(2018, "en") == "FY2018 (Heisei 30)"
    assert fiscal_year_label(2026, "ja") == "2026年度（令和8年度）"


def test_an_english_page_names_the_fiscal_year_in_english(client, login, make_user):
    login(make_user(roles=["hr"]))
    client.post("/language", data={"locale": "en", "next": "/hr/dashboard"})
    page = client.get("/hr/dashboard?fy=2026").get_data(as_text=True)
    assert "FY2026 (Reiwa 8)" in page and "2026年度（令和8年度）" not in page
