"""A report table as a PDF: a title, lines of context, then the table.

``table_pdf`` takes the same ``(headers, rows)`` as the CSV and XLSX writers.
The table breaks across A4 pages with its heading row repeated on every page,
and each page carries the title and「n / N」at its foot, so a loose page can
still be placed. Each page is a small table of its own (``PagedTable``), so the
time and memory grow in proportion to the rows; a build can be stopped between
pages (``should_stop``, ``BuildStopped``).
"""

import io
from collections.abc import Callable, Iterable, Sequence
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
from reportlab.platypus import (
    Flowable,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from skillapp.pdf.fonts import register_fonts
from skillapp.util.dates import to_jst

MARGIN = 15 * mm
FONT_SIZE = 9
HEADING_SIZE = 14
CELL_PADDING = 3
FOOTER_SIZE = 8
# More columns than this turn the page to landscape unless told otherwise.
PORTRAIT_MAX_COLUMNS = 6
STRIPES = [colors.white, colors.HexColor("#f6f8fa")]


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
            # One string rather than hundreds, as reportlab keeps a finished
            # page (PDFPage.setStream joins them the same way): half the memory.
            self._code = ["\n".join(self._code)]
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            pages, self._saved_pages = self._saved_pages, []
            total = len(pages)
            for number in range(1, total + 1):
                # Let each held page go once reportlab has it.
                state, pages[number - 1] = pages[number - 1], None
                self.__dict__.update(state)
                width, _ = self._pagesize
                self.setFont(font, FOOTER_SIZE)
                self.setFillColor(colors.dimgrey)
                self.drawString(MARGIN, MARGIN / 2, title)
                self.drawRightString(width - MARGIN, MARGIN / 2, f"{number} / {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


class BuildStopped(Exception):
    """Raised inside a build when its ``should_stop`` says so (the client has gone)."""


# Check ``should_stop`` at least this often while reading the rows.
CHECK_EVERY_ROWS = 1_000
# The first page's window of rows; later pages start from what the last one held.
FIRST_WINDOW = 64
WINDOW_SLACK = 8


class _Layout:
    """What every page of one report table shares: the heading row, the column
    widths, the style, and the rows as text (made into cells page by page)."""

    def __init__(self, headers, rows, widths, numeric, styles, measured, should_stop):
        self.rows = rows
        self.widths = widths
        self.numeric = numeric
        self.styles = styles  # (regular, bold, font_size, body, body_right, heading)
        self.measured = measured  # for each column, {text: its width on one line}
        self.should_stop = should_stop
        regular, bold, font_size, _, _, heading = styles
        self.heading = [
            _cell(text, width, heading, stringWidth(text, bold, font_size))
            for text, width in zip(headers, widths, strict=True)
        ]
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
        if len(rows) > 1:
            style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), STRIPES))
        self.style = TableStyle(style)
        # The least height any page's table needs: the heading and one line.
        least = self._table([self.heading, [""] * len(widths)])
        self.least_height = least.wrap(sum(widths), 1e9)[1]

    def check(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise BuildStopped

    def _table(self, data) -> LongTable:
        table = LongTable(data, colWidths=self.widths, repeatRows=1)
        table.setStyle(self.style)
        return table

    def table(self, start: int, stop: int) -> LongTable:
        """The heading row and rows ``start`` to ``stop`` as one small table."""
        regular, _, font_size, body, body_right, _ = self.styles
        columns = list(zip(self.widths, self.measured, self.numeric, strict=True))
        data = [self.heading]
        for row in self.rows[start:stop]:
            cells = []
            for text, (width, measured, numeric) in zip(row, columns, strict=True):
                length = measured.get(text)
                if length is None:
                    length = measured[text] = stringWidth(text, regular, font_size)
                cells.append(_cell(text, width, body_right if numeric else body, length))
            data.append(cells)
        return self._table(data)


class PagedTable(Flowable):
    """A long table laid out a page at a time: each page gets a small table of
    its own (the heading row and the rows that fit), and the rest of the rows
    stay a ``PagedTable`` that starts further down the same list.

    reportlab splits one big table by copying everything below the break into
    a new table, page after page, so n rows cost O(n²); here each page costs
    only the rows it holds (and a few more it tried), so the whole is O(n).
    """

    def __init__(self, layout: _Layout, start: int = 0, window: int = FIRST_WINDOW):
        super().__init__()
        self._layout = layout
        self._start = start
        self._window = window
        self._fitted = None  # (availWidth, availHeight, table or None, fits)

    def _fit(self, width: float, height: float):
        """A table of the next rows laid out for this space: all the rest when
        they fit, else a window that reaches past the end of the space (None
        when not even the heading and one line would fit)."""
        if self._fitted is not None and self._fitted[:2] == (width, height):
            return self._fitted[2:]
        layout = self._layout
        left = len(layout.rows) - self._start
        if left and height < layout.least_height:
            table, fits = None, False  # the foot of a page: nothing to build
        else:
            layout.check()
            count = min(self._window, left)
            while True:
                table = layout.table(self._start, self._start + count)
                fits = table.wrap(width, height)[1] <= height
                if not fits or count == left:
                    break
                count = min(2 * count, left)  # the window fitted: try a bigger one
        self._fitted = (width, height, table, fits)
        return table, fits

    def wrap(self, availWidth, availHeight):  # noqa: N803 — reportlab's names
        table, _ = self._fit(availWidth, availHeight)
        if table is None:
            self.width, self.height = sum(self._layout.widths), self._layout.least_height
        else:
            self.width, self.height = table._width, table._height
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        table, fits = self._fit(availWidth, availHeight)
        if fits:
            return [table]
        parts = table.split(availWidth, availHeight) if table is not None else []
        if not parts:
            return []  # not even one row fits here: the next frame
        held = len(parts[0]._cellvalues) - 1  # reportlab==5.1.0 (pinned)
        rest = PagedTable(self._layout, self._start + held, held + WINDOW_SLACK)
        return [parts[0], rest]

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 N803
        # Reached only when every remaining row fitted (wrap said so).
        table, _ = self._fitted[2:]
        table.drawOn(canvas, x, y, _sW)


def _cell(text: str, width: float, style, length: float):
    """Plain text when it fits on one line (much faster to lay out), else a
    paragraph that wraps. ``length`` is the text's width on one line."""
    if "\n" in text or length > width - 2 * CELL_PADDING:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)
    return text


def report_table(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    available: float,
    *,
    font_size: float = FONT_SIZE,
    col_widths: Sequence[float] | None = None,
    right: Sequence[int] = (),
    should_stop: Callable[[], bool] | None = None,
) -> PagedTable:
    """A table flowable: the heading row repeated on every page it breaks onto,
    numeric columns right-aligned, wide text wrapped, every value as text.

    ``col_widths`` fixes the widths; by default each column gets its natural
    width, shared out within ``available``. Columns of numbers are
    right-aligned, and so are the columns listed in ``right`` (numbers already
    formatted as text, such as「50.0%」).

    ``should_stop`` is called every thousand rows while they are read and once
    for each page while they are laid out; when it returns true the build stops
    with ``BuildStopped``.
    """
    regular, bold = register_fonts()
    headers = [_text(h) for h in headers]
    rows = [list(row) for row in rows]
    body = ParagraphStyle("body", fontName=regular, fontSize=font_size, leading=font_size * 1.35)
    body.wordWrap = "CJK"  # Japanese breaks between any two characters
    body_right = ParagraphStyle("body_right", parent=body, alignment=TA_RIGHT)
    heading = ParagraphStyle("heading", parent=body, fontName=bold)

    def check(index: int) -> None:
        if should_stop is not None and index % CHECK_EVERY_ROWS == 0 and should_stop():
            raise BuildStopped

    numeric = []
    for i in range(len(headers)):
        if i in right:
            numeric.append(True)
            continue
        all_numbers, any_number = bool(rows), False
        for row in rows:
            value = row[i]
            if _is_number(value):
                any_number = True
            elif value not in (None, ""):
                all_numbers = False
                break
        numeric.append(all_numbers and any_number)
    texts = []
    for index, row in enumerate(rows):
        check(index)
        texts.append([_text(value) for value in row])
    measured = [{} for _ in headers]
    if col_widths is None:
        natural = []
        for i, header in enumerate(headers):
            widest = stringWidth(header, bold, font_size)
            lengths = measured[i]  # most values repeat (departments, grades): measure each once
            for index, row in enumerate(texts):
                check(index)
                text = row[i]
                if text not in lengths:
                    lengths[text] = stringWidth(text, regular, font_size)
                    widest = max(widest, lengths[text])
            natural.append(widest + 2 * CELL_PADDING + 1)
        widths = _column_widths(natural, available)
    else:
        widths = list(col_widths)
    styles = (regular, bold, font_size, body, body_right, heading)
    return PagedTable(_Layout(headers, texts, widths, numeric, styles, measured, should_stop))


def table_pdf(
    title: str,
    preamble_lines: Sequence[str],
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    orientation: str | None = None,
    created: datetime | None = None,
    author: str = "",
    should_stop: Callable[[], bool] | None = None,
) -> bytes:
    """Render a table report as PDF bytes.

    ``preamble_lines`` (fiscal year, as-of date, filters …) are printed under
    the title on the first page. Numbers are right-aligned; ``None`` is blank.
    ``orientation`` is "portrait" or "landscape"; by default a table of more
    than six columns is landscape. ``created`` (aware) is the document's
    creation date in its properties, ``author`` (the city) its author. The
    output depends on the input only.

    The time taken grows in proportion to the rows (a small table per page,
    see ``PagedTable``); there is no limit here, the views apply one
    (``PDF_MAX_ROWS``). ``should_stop`` is asked between pages (and every
    thousand rows before), and a true answer ends the build with
    ``BuildStopped``: the views pass "has the client gone?".
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
    table = report_table(headers, rows, available, should_stop=should_stop)

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
