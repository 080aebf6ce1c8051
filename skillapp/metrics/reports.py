"""Indicator figures as ``(headers, rows)`` for CSV, XLSX, PDF and the terminal."""

from skillapp.metrics.indicators import SURVEY_SHARE, TRAINING_COUNT, YearFigures
from skillapp.metrics.models import ALL
from skillapp.roster.bands import band_label

ALL_LABEL = "全職員"


def grade_label(code: str) -> str:
    return ALL_LABEL if code == ALL else band_label(code)


def one_decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def indicator_table(figures: YearFigures) -> tuple[list[str], list[list]]:
    headers = [
        "No.",
        "指標",
        "職層",
        "実績",
        "目標",
        "差",
        "達成",
        "分子",
        "分母",
        "回答数",
        "回答率",
        "実人数",
    ]
    rows = []
    for result in figures.results:
        indicator = result.indicator
        unit = {"percent": "%", "points": "点", "count": "人"}[indicator.unit]
        for row in result.rows:
            achieved = {True: "達成", False: "未達成", None: ""}[row.achieved]
            value = (
                f"{int(row.value)}{unit}"
                if indicator.kind == TRAINING_COUNT
                else (f"{row.value:.1f}{unit}" if row.value is not None else "")
            )
            target = "" if row.target is None else f"{row.target:g}{unit}"
            gap = "" if row.gap is None else f"{row.gap:+.1f}"
            rows.append(
                [
                    indicator.number,
                    indicator.name,
                    grade_label(row.grade_band),
                    value,
                    target,
                    gap,
                    achieved,
                    "" if indicator.kind == TRAINING_COUNT else _num(row.numerator),
                    "" if row.denominator is None else row.denominator,
                    row.respondents if indicator.kind == SURVEY_SHARE else "",
                    one_decimal(row.response_rate) if indicator.kind == SURVEY_SHARE else "",
                    row.distinct_staff if indicator.kind == TRAINING_COUNT else "",
                ]
            )
    return headers, rows


def _num(value):
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else round(value, 1)
