"""A report table as a PDF: a title, lines of context, then the table.

``table_pdf`` takes the same ``(headers, rows)`` as the CSV and XLSX writers.
The table breaks across A4 pages with its heading row repeated on every page,
and each page carries the title and「n / N」at its foot, so a loose page can
still be placed.
"""

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from numbers import Number
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from skillapp.pdf.fonts import register_fonts
from skillapp.util.dates import to_jst

MARGIN = 15 * mm
FONT_SIZE = 9
HEADING_SIZE = 14
CELL_PADDING = 3
FOOTER_SIZE = 8
# More columns than this turn the page to landscape unless told otherwise.
PORTRAIT_MAX_COLUMNS = 6


def _text(value) -> str:
    if value is None:
        return ""
    return str(value)


def _is_number(value) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


def _column_widths(natural: list[float], available: float) -> list[float]:
    """Each column gets its natural width when all fit; otherwise the narrow
    ones keep theirs and the rest share what is left equally (water-filling)."""
    if sum(natural) <= available:
        spare = (available - sum(natural)) / len(natural)
        return [w + spare for w in natural]
    widths = [0.0] * len(natural)
    pending = sorted(range(len(natural)), key=lambda i: natural[i])
    left = available
    while pending:
        share = left / len(pending)
        index = pending[0]
        if natural[index] <= share:
            widths[index] = natural[index]
            left -= natural[index]
            pending.pop(0)
        else:
            for i in pending:
                widths[i] = share
            break
    return widths


def pdf_date(moment: datetime) -> str:
    """A PDF date string (D:YYYYMMDDHHmmSS+09'00') in Japan time."""
    return to_jst(moment).strftime("D:%Y%m%d%H%M%S+09'00'")


def numbered_canvas(title: str, font: str, created: datetime | None):
    """A canvas class that numbers every page「n / N」and prints ``title`` at
    each foot; ``created`` (aware) fixes the document's creation date."""

    class NumberedCanvas(Canvas):
        """Holds every page until the end so each can show the page count."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages = []
            if created is not None:
                self.setDateFormatter(lambda *_: pdf_date(created))

        def showPage(self):  # noqa: N802 — reportlab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for number, state in enumerate(self._saved_pages, start=1):
                self.__dict__.update(state)
                width, _ = self._pagesize
                self.setFont(font, FOOTER_SIZE)
                self.setFillColor(colors.dimgrey)
                self.drawString(MARGIN, MARGIN / 2, title)
                self.drawRightString(width - MARGIN, MARGIN / 2, f"{number} / {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def report_table(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    available: float,
    *,
    font_size: float = FONT_SIZE,
    col_widths: Sequence[float] | None = None,
    right: Sequence[int] = (),
) -> LongTable:
    """A table flowable: the heading row repeated on every page it breaks onto,
    numeric columns right-aligned, wide text wrapped, every value as text.

    ``col_widths`` fixes the widths; by default each column gets its natural
    width, shared out within ``available``. Columns of numbers are
    right-aligned, and so are the columns listed in ``right`` (numbers already
    formatted as text, such as「50.0%」).
    """
    regular, bold = register_fonts()
    headers = [_text(h) for h in headers]
    rows = [list(row) for row in rows]
    body = ParagraphStyle("body", fontName=regular, fontSize=font_size, leading=font_size * 1.35)
    body.wordWrap = "CJK"  # Japanese breaks between any two characters
    body_right = ParagraphStyle("body_right", parent=body, alignment=TA_RIGHT)
    heading = ParagraphStyle("heading", parent=body, fontName=bold)

    numeric = [
        i in right
        or (
            bool(rows)
            and all(_is_number(row[i]) or row[i] in (None, "") for row in rows)
            and any(_is_number(row[i]) for row in rows)
        )
        for i in range(len(headers))
    ]
    texts = [[_text(value) for value in row] for row in rows]
    if col_widths is None:
        natural = []
        for i, header in enumerate(headers):
            widest = max(
                [stringWidth(header, bold, font_size)]
                + [stringWidth(row[i], regular, font_size) for row in texts]
            )
            natural.append(widest + 2 * CELL_PADDING + 1)
        widths = _column_widths(natural, available)
    else:
        widths = list(col_widths)

    def cell(text: str, width: float, style, font):
        # Plain strings are much faster to lay out; only text too wide wraps.
        if "\n" in text or stringWidth(text, font, font_size) > width - 2 * CELL_PADDING:
            return Paragraph(escape(text).replace("\n", "<br/>"), style)
        return text

    data = [[cell(h, widths[i], heading, bold) for i, h in enumerate(headers)]]
    for row in texts:
        data.append(
            [
                cell(text, widths[i], body_right if numeric[i] else body, regular)
                for i, text in enumerate(row)
            ]
        )

    table = LongTable(data, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, 0), bold, font_size),
        ("FONT", (0, 1), (-1, -1), regular, font_size),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a96a3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for i, is_numeric in enumerate(numeric):
        if is_numeric:
            style.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    if len(data) > 2:
        stripes = [colors.white, colors.HexColor("#f6f8fa")]
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), stripes))
    table.setStyle(TableStyle(style))
    return table


def table_pdf(
    title: str,
    preamble_lines: Sequence[str],
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    orientation: str | None = None,
    created: datetime | None = None,
    author: str = "",
) -> bytes:
    """Render a table report as PDF bytes.

    ``preamble_lines`` (fiscal year, as-of date, filters …) are printed under
    the title on the first page. Numbers are right-aligned; ``None`` is blank.
    ``orientation`` is "portrait" or "landscape"; by default a table of more
    than six columns is landscape. ``created`` (aware) is the document's
    creation date in its properties, ``author`` (the city) its author. The
    output depends on the input only.
    """
    regular, bold = register_fonts()
    headers = [_text(h) for h in headers]
    rows = [list(row) for row in rows]
    if orientation is None:
        orientation = "landscape" if len(headers) > PORTRAIT_MAX_COLUMNS else "portrait"
    pagesize = landscape(A4) if orientation == "landscape" else A4
    available = pagesize[0] - 2 * MARGIN

    body = ParagraphStyle("body", fontName=regular, fontSize=FONT_SIZE, leading=FONT_SIZE * 1.35)
    body.wordWrap = "CJK"  # Japanese breaks between any two characters
    title_style = ParagraphStyle(
        "title", parent=body, fontName=bold, fontSize=HEADING_SIZE, leading=HEADING_SIZE * 1.4
    )
    table = report_table(headers, rows, available)

    story = [Paragraph(escape(title), title_style)]
    story += [Paragraph(escape(line), body) for line in preamble_lines]
    story += [Spacer(1, 4 * mm), table]

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=author,
        subject=title,
        creator="skillapp",
        invariant=True,
        initialFontName=regular,
        lang="ja",
    )
    doc.build(story, canvasmaker=numbered_canvas(title, regular, created))
    return buffer.getvalue()
