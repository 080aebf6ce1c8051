"""Tables as ``(headers, rows)``: the view or command picks CSV, XLSX or PDF."""

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from skillapp.metrics import queries
from skillapp.metrics.indicators import SURVEY_SHARE, TRAINING_COUNT, YearFigures
from skillapp.metrics.models import ALL
from skillapp.roster.bands import BAND_LABELS, band_label

ALL_LABEL = "全職員"


def grade_label(code: str) -> str:
    return ALL_LABEL if code == ALL else band_label(code)


def one_decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


UNIT_SUFFIXES = {"percent": "%", "points": "点", "count": "人"}
ACHIEVED_LABELS = {True: "達成", False: "未達成", None: ""}


def format_value(indicator, value: float | None) -> str:
    """An indicator's value as shown everywhere: one decimal and its unit
    (「50.0%」), a whole number for counts (「4人」), blank for no value."""
    if value is None:
        return ""
    unit = UNIT_SUFFIXES[indicator.unit]
    if indicator.kind == TRAINING_COUNT:
        return f"{int(value)}{unit}"
    return f"{value:.1f}{unit}"


def format_target(indicator, target: float | None) -> str:
    return "" if target is None else f"{target:g}{UNIT_SUFFIXES[indicator.unit]}"


# The gap to a target, as the indicators page writes it in Japanese
# (metrics/display.py show_gap): percentage points, points, people.
GAP_SUFFIXES = {"percent": "ポイント", "points": "点", "count": "人"}


def format_gap(gap: float | None, indicator=None) -> str:
    """「+24.2ポイント」, 「-3点」, 「+5人」: signed, with its unit, as on the page."""
    if gap is None:
        return ""
    if indicator is None:
        return f"{gap:+.1f}"
    number = f"{gap:+.0f}" if indicator.unit == "count" else f"{gap:+.1f}"
    return f"{number}{GAP_SUFFIXES[indicator.unit]}"


def indicator_table(
    figures: YearFigures, *, gap_as_text: bool = False
) -> tuple[list[str], list[list]]:
    """The year's figures against targets. ``gap_as_text``: the gap as the page
    writes it (「+24.2ポイント」) for a PDF; a spreadsheet gets it as a number."""
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
        for row in result.rows:
            rows.append(
                [
                    indicator.number,
                    indicator.name,
                    grade_label(row.grade_band),
                    format_value(indicator, row.value),
                    format_target(indicator, row.target),
                    # For a spreadsheet a number, not 「+35.0」: text starting with
                    # + or - is taken for a formula by spreadsheets and would be quoted.
                    format_gap(row.gap, indicator)
                    if gap_as_text
                    else ("" if row.gap is None else round(row.gap + 0.0, 1)),
                    ACHIEVED_LABELS[row.achieved],
                    "" if indicator.kind == TRAINING_COUNT else format_numerator(row.numerator),
                    "" if row.denominator is None else row.denominator,
                    row.respondents if indicator.kind == SURVEY_SHARE else "",
                    one_decimal(row.response_rate) if indicator.kind == SURVEY_SHARE else "",
                    row.distinct_staff if indicator.kind == TRAINING_COUNT else "",
                ]
            )
    return headers, rows


def format_numerator(value):
    """A numerator as a number: whole when it is one (a sum of scores may not be)."""
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else round(value, 1)


def pending_table(
    session: Session,
    fiscal_year: int,
    module_id: int,
    *,
    band: str | None = None,
    department_id: int | None = None,
    scope: queries.Scope | None = None,
) -> tuple[list[str], list[list]]:
    """The not-yet list of a module for a fiscal year, everyone in scope, no limit."""
    people = queries.not_yet_done(
        session,
        fiscal_year,
        module_id,
        band=band,
        department_id=department_id,
        scope=scope or queries.Scope(),
    )
    headers = [_("Staff number"), _("Name"), _("Department"), _("Job grade"), _("Best score")]
    rows = [
        [
            p.staff_no,
            p.name,
            p.department,
            BAND_LABELS.get(p.band, _("Unclassified")),
            "" if p.best is None else p.best,
        ]
        for p in people
    ]
    return headers, rows


def _rate_cells(rate: queries.Rate) -> list:
    """A rate as two cells: the percent to one decimal (blank for no staff) and n/N."""
    percent = "" if rate.percent is None else round(rate.percent, 1)
    return [percent, f"{rate.numerator}/{rate.denominator}"]


def completion_table(rows: list[queries.ModuleRow]) -> tuple[list[str], list[list]]:
    """Completion and pass rate of every module by job grade, one row a module and grade."""
    headers = [
        _("Module"),
        _("Job grade"),
        _("Completion rate (percent)"),
        _("Completed n/N"),
        _("Pass rate (percent)"),
        _("Passed n/N"),
    ]
    table = []
    for module in rows:
        for band in (*queries.BAND_CODES, ALL):
            done = ["—", "—"] if module.is_assessment else _rate_cells(module.completed[band])
            table.append(
                [module.title, grade_label(band), *done, *_rate_cells(module.passed[band])]
            )
    return headers, table


def department_table(
    nodes: list[queries.DepartmentNode], *, is_assessment: bool
) -> tuple[list[str], list[list]]:
    """One module's completion and pass rate by department, 部 by 部: each 部's
    total line (所属 「計」) and then its units."""
    headers = [_("Division"), _("Department"), _("Active staff")]
    if not is_assessment:
        headers += [_("Completion rate (percent)"), _("Completed")]
    headers += [_("Pass rate (percent)"), _("Passed")]
    table = []
    division = ""
    for node in nodes:
        if node.level == 0:
            division = node.name if node.is_total else ""
        if node.is_total:
            place = [node.name, _("Total")]
        elif node.level:
            place = [division, node.name]
        else:
            place = ["", node.name]
        cells = [*place, node.passed.denominator]
        if not is_assessment:
            cells += _rate_cells(node.completed)[:1] + [node.completed.numerator]
        cells += _rate_cells(node.passed)[:1] + [node.passed.numerator]
        table.append(cells)
    return headers, table
