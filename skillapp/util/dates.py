"""Japan time, fiscal years (年度) and era names (和暦)."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")

# (first day, era name); newest first.
_ERAS = [
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
]


def to_jst(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(JST)


def format_jst(moment: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as Japan time, e.g. 2026-06-01 09:30 (the pages' ``jst`` filter)."""
    return to_jst(moment).strftime(fmt)


def today_jst(now: datetime | None = None) -> date:
    return to_jst(now or datetime.now(UTC)).date()


def fiscal_year_of(moment: datetime | date) -> int:
    """The fiscal year (1 April – 31 March, Japan time) a moment or day falls in."""
    day = to_jst(moment).date() if isinstance(moment, datetime) else moment
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime, datetime]:
    """[start, end) of a fiscal year as UTC datetimes."""
    start = datetime.combine(date(fiscal_year, 4, 1), time(), JST)
    end = datetime.combine(date(fiscal_year + 1, 4, 1), time(), JST)
    return start.astimezone(UTC), end.astimezone(UTC)


def fiscal_year_end(fiscal_year: int) -> date:
    """31 March that closes the fiscal year: the roster's as-of day for its figures."""
    return date(fiscal_year + 1, 3, 31)


# Era names in English (Hepburn, as the government's English pages write them).
_ERA_NAMES_EN = {"令和": "Reiwa", "平成": "Heisei", "昭和": "Showa"}


def _era_and_year(day: date) -> tuple[str | None, int]:
    for first, name in _ERAS:
        if day >= first:
            return name, day.year - first.year + 1
    return None, day.year


def wareki_year(day: date) -> str:
    """「令和8年」 for 2026; the first year of an era is 「元年」."""
    name, n = _era_and_year(day)
    if name is None:
        return f"{day.year}年"
    return f"{name}{'元' if n == 1 else n}年"


def fiscal_year_label(fiscal_year: int, language: str | None = None) -> str:
    """「2026年度（令和8年度）」, or "FY2026 (Reiwa 8)" in English (by default
    the language of the page being shown; Japanese outside a request).

    The era of a fiscal year is the one in force on its first day (1 April),
    except that FY2019 is conventionally 令和元年度.
    """
    first = date(fiscal_year, 4, 1)
    name, n = ("令和", 1) if fiscal_year == 2019 else _era_and_year(first)
    if (language or _page_language()) == "en":
        return f"FY{fiscal_year}" + (f" ({_ERA_NAMES_EN[name]} {n})" if name else "")
    era = f"{name}{'元' if n == 1 else n}年" if name else f"{fiscal_year}年"
    return f"{fiscal_year}年度（{era}度）"


def _page_language() -> str:
    from flask import has_request_context

    if not has_request_context():
        return "ja"
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else "ja"


def format_minutes(minutes: int) -> str:
    """A pause or a limit in words: 「30分」, 「24時間」, 「1時間30分」 (in the page's language)."""
    from flask_babel import gettext as _

    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return _("%(n)d minutes", n=rest)
    if not rest:
        return _("%(n)d hours", n=hours)
    return _("%(h)d hours %(m)d minutes", h=hours, m=rest)


def format_wareki(day: date) -> str:
    """「令和8年11月22日」."""
    return f"{wareki_year(day)}{day.month}月{day.day}日"


# How pages write days and moments (config DATE_STYLE): "iso" 2026-12-05 and
# 2026-12-05 01:49, or "wareki" 令和8年12月5日 and 令和8年12月5日 1:49. English
# pages always write ISO days. Files meant for other programs (CSV, Excel) keep ISO.
DATE_STYLES = ("iso", "wareki")


def format_day(day: date, style: str = "iso", language: str = "ja") -> str:
    """A day in the page's style: 2026-12-05, or 令和8年12月5日."""
    if style == "wareki" and language == "ja":
        return format_wareki(day)
    return day.isoformat()


def format_moment(
    moment: datetime, style: str = "iso", language: str = "ja", *, seconds: bool = False
) -> str:
    """A moment in Japan time, in the page's style: 2026-12-05 01:49, or 令和8年12月5日 1:49."""
    local = to_jst(moment)
    clock = (
        f"{local.hour}:{local:%M}" if style == "wareki" and language == "ja" else f"{local:%H:%M}"
    )
    if seconds:
        clock += f":{local:%S}"
    return f"{format_day(local.date(), style, language)} {clock}"


def page_language() -> str:
    """The language of the page being shown ("ja" outside a request)."""
    return _page_language()


def _date_style() -> str:
    from flask import current_app

    return current_app.config.get("DATE_STYLE", "iso")


def page_day(day: date | datetime) -> str:
    """A day (or the Japan-time day of a moment) as this city's pages write it
    (DATE_STYLE, the page's language)."""
    if isinstance(day, datetime):
        day = to_jst(day).date()
    return format_day(day, _date_style(), page_language())


def page_moment(moment: datetime, *, seconds: bool = False) -> str:
    """A moment as this city's pages write it (DATE_STYLE, the page's language)."""
    return format_moment(moment, _date_style(), page_language(), seconds=seconds)


_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _slashed(value: str) -> datetime | None:
    """Excel's 2026/6/1 or 2026/6/1 9:05[:00]."""
    match = _SLASHED.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    return datetime(year, month, day, hour, minute, second)


def parse_local_datetime(value: str) -> datetime:
    """ISO 8601 (or Excel's 2026/6/1 9:05); a value without an offset is
    Japan time. Returns UTC. Raises ValueError."""
    value = value.strip()
    parsed = _slashed(value) or datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=JST)
    return parsed.astimezone(UTC)


def parse_day(value: str) -> date:
    """A day written 2026-06-01, 2026/6/1 or as a spreadsheet's midnight
    timestamp (2026-06-01 00:00:00). Raises ValueError."""
    value = value.strip()
    slashed = _slashed(value)
    if slashed is not None:
        return slashed.date()
    if len(value) > 10:
        moment = datetime.fromisoformat(value)
        if moment.time() != time():
            raise ValueError(value)
        return moment.date()
    return date.fromisoformat(value)


def seconds_between(a: datetime, b: datetime) -> float:
    return (b - a) / timedelta(seconds=1)
