"""The annual HR-development report (人材育成指標 年次報告) as a PDF.

A pure function of an ``AnnualReport``: every figure arrives formatted as the
rest of the product shows it (``skillapp.metrics.reports``), so the PDF prints
exactly the text of ``skillapp metrics show``; the charts take the unrounded
numbers beside it. The same report gives the same bytes.

Layout: a cover; the indicators against their targets (a summary table, then
for each indicator a bar chart by band with the target marked and its table);
the trend over the years; completion and pass rates by module; the survey;
training by category; the method. Every page carries「n / N」at its foot, and a
table that breaks across pages repeats its heading row.
"""

import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from skillapp.pdf.certificate import both_calendars
from skillapp.pdf.fonts import register_fonts
from skillapp.pdf.table import MARGIN, numbered_canvas, report_table
from skillapp.util.dates import fiscal_year_end, fiscal_year_label, to_jst

TITLE = "人材育成指標 年次報告"
INK = colors.HexColor("#1f2d3d")
ACCENT = colors.HexColor("#1d4f91")
MUTED = colors.HexColor("#55606b")
TARGET = colors.HexColor("#c0392b")
GRID = colors.HexColor("#d5dbe1")
# One colour a band in the trend charts; distinguishable in grey print too.
SERIES = [
    colors.HexColor("#1d4f91"),
    colors.HexColor("#d9822b"),
    colors.HexColor("#2e8540"),
    colors.HexColor("#6f4e7c"),
]
TABLE_FONT = 8.5


@dataclass(frozen=True)
class Table:
    """A table as text: ``right`` lists the columns of numbers to right-align."""

    headers: list[str]
    rows: list[list]
    right: tuple[int, ...] = ()


@dataclass(frozen=True)
class Bar:
    """One band of an indicator: the bar (unrounded value; None draws none),
    the target mark, and the text printed beside them."""

    label: str
    value: float | None
    target: float | None
    text: str


@dataclass(frozen=True)
class IndicatorSection:
    title: str  # "No.4 …"
    notes: list[str]
    unit: str  # the axis unit, e.g. "%"
    scale: float | None  # the axis maximum (100 for shares); None: from the figures
    bars: list[Bar]
    table: Table


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | None]  # one a year; None: no value that year
    targets: list[float | None]


@dataclass(frozen=True)
class TrendSection:
    title: str
    unit: str
    scale: float | None
    series: list[Series]
    table: Table


@dataclass(frozen=True)
class Section:
    """Lines of text, then an optional table."""

    notes: list[str] = field(default_factory=list)
    table: Table | None = None


@dataclass(frozen=True)
class TitledTable:
    title: str
    table: Table
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AnnualReport:
    """Everything the annual report prints, gathered by
    ``skillapp.metrics.annual.annual_report_data``."""

    fiscal_year: int
    as_of: date  # the roster day the figures use
    summary: Table
    indicators: list[IndicatorSection]
    years: list[str]  # the trend's year labels, oldest first
    trends: list[TrendSection]
    modules: Section
    survey: Section
    survey_questions: list[TitledTable]
    training: Section
    method: list[tuple[str, list[str]]]  # (heading, paragraphs)


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle(
        "body", fontName=regular, fontSize=9, leading=9 * 1.55, textColor=INK, wordWrap="CJK"
    )
    return {
        "body": body,
        "note": ParagraphStyle("note", parent=body, fontSize=8.5, textColor=MUTED),
        "h1": ParagraphStyle(
            "h1", parent=body, fontName=bold, fontSize=14, leading=20, spaceAfter=6
        ),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=bold, fontSize=10.5, leading=15, spaceBefore=6
        ),
        "h3": ParagraphStyle("h3", parent=body, fontName=bold, fontSize=9.5, spaceBefore=4),
        "cover_city": ParagraphStyle(
            "cover_city", parent=body, fontSize=16, leading=24, alignment=TA_CENTER
        ),
        "cover_title": ParagraphStyle(
            "cover_title",
            parent=body,
            fontName=bold,
            fontSize=26,
            leading=38,
            alignment=TA_CENTER,
            textColor=ACCENT,
        ),
        "cover_year": ParagraphStyle(
            "cover_year", parent=body, fontName=bold, fontSize=18, leading=28, alignment=TA_CENTER
        ),
        "cover_line": ParagraphStyle(
            "cover_line", parent=body, fontSize=11, leading=20, alignment=TA_CENTER
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _axis(scale: float | None, numbers) -> tuple[float, float]:
    """(top, step) of a value axis from 0: ``scale`` in fifths when given,
    else five or so round steps (1, 2, 2.5 or 5 × 10^k, at least 1) covering
    the largest number."""
    if scale is not None:
        return scale, scale / 5
    largest = max((n for n in numbers if n is not None), default=0) * 1.05
    raw = max(largest / 5, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if raw <= m * power)
    return step * max(math.ceil(largest / step), 1), step


def _axis_label(unit: str):
    def label(value: float) -> str:
        return f"{value:g}{unit}"

    return label


def _legend(drawing: Drawing, x: float, y: float, font: str, items) -> None:
    """Items of (kind, colour, text): "bar" a filled box, "line" a stroke,
    "dash" a dashed stroke, "mark" the target tick."""
    for kind, colour, text in items:
        if kind == "bar":
            drawing.add(Rect(x, y - 1, 10, 7, fillColor=colour, strokeColor=None))
        elif kind == "mark":
            drawing.add(Line(x + 5, y - 3, x + 5, y + 8, strokeColor=colour, strokeWidth=2))
        else:
            line = Line(x, y + 2.5, x + 12, y + 2.5, strokeColor=colour, strokeWidth=1.5)
            if kind == "dash":
                line.strokeDashArray = (3, 2)
            drawing.add(line)
        drawing.add(String(x + 15, y, text, fontName=font, fontSize=7.5, fillColor=INK))
        x += 15 + stringWidth(text, font, 7.5) + 14


def _bar_chart(section: IndicatorSection, width: float, font: str) -> Drawing:
    """Bars of the bands' values, each with its target marked, the printed
    figures to the right. The first band is drawn at the top."""
    bars = list(reversed(section.bars))
    row = 22
    label_width = max(stringWidth(b.label, font, 8) for b in bars) + 10
    text_width = max(stringWidth(b.text, font, 8) for b in bars) + 12
    plot_width = max(width - label_width - text_width, 120)
    drawing = Drawing(width, row * len(bars) + 44)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width, 30
    chart.width, chart.height = plot_width, row * len(bars)
    chart.data = [[b.value for b in bars]]
    top, step = _axis(section.scale, [b.value for b in bars] + [b.target for b in bars])
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, top
    chart.valueAxis.valueStep = step
    chart.valueAxis.labelTextFormat = _axis_label(section.unit)
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = GRID
    chart.categoryAxis.categoryNames = [b.label for b in bars]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.barSpacing = 0
    chart.groupSpacing = 8
    drawing.add(chart)
    band = chart.height / len(bars)
    for i, bar in enumerate(bars):
        middle = chart.y + (i + 0.5) * band
        if bar.target is not None:
            x = chart.x + chart.width * min(bar.target, top) / top
            drawing.add(
                Line(
                    x,
                    middle - band * 0.42,
                    x,
                    middle + band * 0.42,
                    strokeColor=TARGET,
                    strokeWidth=2,
                )
            )
        drawing.add(
            String(
                chart.x + chart.width + 8,
                middle - 3,
                bar.text,
                fontName=font,
                fontSize=8,
                fillColor=INK,
            )
        )
    _legend(drawing, chart.x, 4, font, [("bar", ACCENT, "実績"), ("mark", TARGET, "目標")])
    return drawing


def _line_chart(section: TrendSection, years: list[str], width: float, font: str) -> Drawing:
    """One line a band over the years; its target the same colour, dashed."""
    legend_rows = math.ceil(len(section.series) / 2) + 1
    chart = HorizontalLineChart()
    chart.x, chart.y = 40, 14 * legend_rows + 22
    chart.width, chart.height = width - 60, 100
    drawing = Drawing(width, chart.y + chart.height + 10)
    # (points, colour, is the target): reportlab cannot draw a line without a
    # single point, so a band with no value in any year has none.
    lines = [
        (points, SERIES[i % len(SERIES)], is_target)
        for is_target in (False, True)
        for i, s in enumerate(section.series)
        for points in [s.targets if is_target else s.values]
        if any(p is not None for p in points)
    ]
    chart.data = [points for points, _, _ in lines]
    numbers = [v for s in section.series for v in (*s.values, *s.targets)]
    top, step = _axis(section.scale, numbers)
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, top
    chart.valueAxis.valueStep = step
    chart.valueAxis.labelTextFormat = _axis_label(section.unit)
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = GRID
    chart.categoryAxis.categoryNames = years
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    for i, (_, colour, is_target) in enumerate(lines):
        chart.lines[i].strokeColor = colour
        if is_target:
            chart.lines[i].strokeWidth = 1
            chart.lines[i].strokeDashArray = (3, 2)
            chart.lines[i].symbol = makeMarker("Cross", size=4, strokeColor=colour)
        else:
            chart.lines[i].strokeWidth = 1.8
            chart.lines[i].symbol = makeMarker("FilledCircle", size=4, fillColor=colour)
    if not lines:  # nothing to plot: the axes alone, on an invisible line
        chart.data = [[0] * len(years)]
        chart.lines[0].strokeColor = None
    drawing.add(chart)
    count = len(section.series)
    for r in range(0, count, 2):
        items = [
            ("line", SERIES[i % len(SERIES)], f"{section.series[i].label} 実績")
            for i in range(r, min(r + 2, count))
        ]
        _legend(drawing, chart.x, 4 + 14 * (legend_rows - 1 - r // 2), font, items)
    _legend(drawing, chart.x, 4 + 14 * 0, font, [("dash", MUTED, "目標（同じ色の破線）")])
    return drawing


def _table(table: Table, width: float):
    return report_table(table.headers, table.rows, width, font_size=TABLE_FONT, right=table.right)


def _notes(lines: list[str], style) -> list:
    return [_p(line, style) for line in lines]


def annual_report_pdf(report: AnnualReport, *, city_name: str, created: datetime) -> bytes:
    """Render the annual report; ``created`` (aware) is printed on the cover
    and set as the document's creation date."""
    regular, bold = register_fonts()
    s = _styles(regular, bold)
    width = A4[0] - 2 * MARGIN
    year_label = fiscal_year_label(report.fiscal_year, "ja")  # a Japanese report
    created_day = to_jst(created).date()

    story = [
        Spacer(1, 55 * mm),
        _p(city_name, s["cover_city"]),
        Spacer(1, 6 * mm),
        _p(TITLE, s["cover_title"]),
        Spacer(1, 4 * mm),
        _p(year_label, s["cover_year"]),
        Spacer(1, 30 * mm),
        _p(f"名簿基準日　{both_calendars(report.as_of)}", s["cover_line"]),
        _p(f"作成日　{both_calendars(created_day)}", s["cover_line"]),
    ]
    if report.as_of < fiscal_year_end(report.fiscal_year):
        story.append(_p("年度の途中の集計です。", s["cover_line"]))
    story.append(PageBreak())

    story += [
        _p("1　指標の達成状況", s["h1"]),
        _p(
            f"{year_label}の各指標の実績を、職層ごとに目標と比べます。"
            "実績は小数第1位に四捨五入して表示し、達成・未達成は四捨五入前の値で判定しています。",
            s["body"],
        ),
        Spacer(1, 3 * mm),
        _table(report.summary, width),
    ]
    for section in report.indicators:
        block = [_p(section.title, s["h2"]), *_notes(section.notes, s["note"])]
        block += [Spacer(1, 2 * mm), _bar_chart(section, width, regular), Spacer(1, 1 * mm)]
        block += [_table(section.table, width)]
        story += [Spacer(1, 4 * mm), KeepTogether(block)]

    story += [PageBreak(), _p("2　年度ごとの推移", s["h1"])]
    story.append(
        _p(
            f"目標またはデータのある{report.years[0]}から{report.years[-1]}までの実績と目標です。"
            "「—」は値がない（分母が0、またはアンケート未実施）ことを示します。"
            if report.years
            else "推移を示す年度がありません。",
            s["body"],
        )
    )
    for trend in report.trends:
        block = [
            _p(trend.title, s["h2"]),
            _line_chart(trend, report.years, width, regular),
            Spacer(1, 1 * mm),
            _table(trend.table, width),
        ]
        story += [Spacer(1, 3 * mm), KeepTogether(block)]

    def heading(text: str) -> list:
        # A section starts on a new page unless most of a page is left.
        return [CondPageBreak(60 * mm), Spacer(1, 4 * mm), _p(text, s["h1"])]

    story += heading("3　教材・テストの修了率と合格率")
    story += _notes(report.modules.notes, s["note"])
    if report.modules.table is not None:
        story += [Spacer(1, 2 * mm), _table(report.modules.table, width)]

    story += heading("4　職員アンケートの結果")
    story += _notes(report.survey.notes, s["note"])
    if report.survey.table is not None:
        story += [Spacer(1, 2 * mm), _table(report.survey.table, width)]
    for question in report.survey_questions:
        block = [_p(question.title, s["h3"]), *_notes(question.notes, s["note"])]
        block += [Spacer(1, 1 * mm), _table(question.table, width)]
        story += [Spacer(1, 3 * mm), KeepTogether(block)]

    story += heading("5　研修の受講状況")
    story += _notes(report.training.notes, s["note"])
    if report.training.table is not None:
        story += [Spacer(1, 2 * mm), _table(report.training.table, width)]

    story += [PageBreak(), _p("6　集計の方法", s["h1"])]
    for heading, paragraphs in report.method:
        story.append(_p(heading, s["h3"]))
        story += [_p(text, s["body"]) for text in paragraphs]

    buffer = io.BytesIO()
    footer = f"{city_name}　{TITLE}　{year_label}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{TITLE} {year_label}",
        author=city_name,
        subject=TITLE,
        creator="skillapp",
        invariant=True,
        initialFontName=regular,
        lang="ja",
    )
    doc.build(story, canvasmaker=numbered_canvas(footer, regular, created))
    return buffer.getvalue()
