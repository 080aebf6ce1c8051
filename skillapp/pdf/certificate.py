"""The certificate of completion (修了証): one A4 page, printable.

A pure function of its data: the same certificate gives the same bytes, so a
repeat download is identical to the first.
"""

import io
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from skillapp.pdf.fonts import register_fonts
from skillapp.pdf.table import pdf_date
from skillapp.util.dates import JST, format_wareki

INK = colors.HexColor("#1f2d3d")
ACCENT = colors.HexColor("#1d4f91")
MUTED = colors.HexColor("#55606b")


@dataclass(frozen=True)
class CertificateData:
    """Everything a certificate shows, as issued."""

    city: str
    number: str
    name: str
    department: str
    title: str
    is_assessment: bool
    score: int
    completed_on: date
    issued_at: datetime  # aware; shown as its date in Japan time
    code: str  # the verification code as printed, e.g. ABCD-EFGH-JKMN-PQRS
    # The full verification address, printed and as a QR code; None when no
    # trusted address is configured: then only the path is printed.
    verify_url: str | None
    verify_path: str = ""  # e.g. /certificates/verify/ABCD-EFGH-JKMN-PQRS
    pass_mark: int = 70


def both_calendars(day: date) -> str:
    """「令和8年11月22日（2026年11月22日）」."""
    return f"{format_wareki(day)}（{day.year}年{day.month}月{day.day}日）"


def _fit(text: str, font: str, size: float, width: float, smallest: float = 8) -> float:
    """The largest font size up to ``size`` at which ``text`` fits ``width``."""
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _draw_qr(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    """A QR code (error correction M, quiet zone of four modules) as filled rectangles."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    code.make()
    count = code.getModuleCount()
    module = size / (count + 8)
    path = canvas.beginPath()
    for r, row in enumerate(code.modules):
        c = 0
        for dark, run in groupby(bool(v) for v in row):
            n = len(list(run))
            if dark:
                path.rect(x + (c + 4) * module, y + size - (r + 5) * module, n * module, module)
            c += n
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)


def _particulars(rows, regular: str, bold: str, size: float, width: float) -> Table:
    cell = ParagraphStyle(
        "cell", fontName=regular, fontSize=size, leading=size * 1.4, textColor=INK
    )
    cell.wordWrap = "CJK"
    label = ParagraphStyle("label", parent=cell, fontName=bold, textColor=MUTED)
    table = Table(
        [[Paragraph(escape(k), label), Paragraph(escape(v), cell)] for k, v in rows],
        colWidths=[26 * mm, width - 26 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                # Without it the table selects Helvetica, unused but listed in the file.
                ("FONT", (0, 0), (-1, -1), regular, size),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c2cc")),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def certificate_pdf(data: CertificateData) -> bytes:
    """Render a certificate of completion as PDF bytes (A4 portrait)."""
    regular, bold = register_fonts()
    page_width, page_height = A4
    centre = page_width / 2
    issued_on = data.issued_at.astimezone(JST).date()
    doc_title = f"修了証 第{data.number}号"

    buffer = io.BytesIO()
    canvas = Canvas(
        buffer, pagesize=A4, invariant=True, initialFontName=regular, lang="ja", pageCompression=1
    )
    canvas.setDateFormatter(lambda *_: pdf_date(data.issued_at))
    canvas.setTitle(doc_title)
    canvas.setAuthor(data.city)
    canvas.setSubject(f"{data.name} — {data.title}")
    canvas.setCreator("skillapp")

    # Frame: a heavy outer rule and a fine inner one.
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(2.2)
    canvas.rect(12 * mm, 12 * mm, page_width - 24 * mm, page_height - 24 * mm)
    canvas.setLineWidth(0.6)
    canvas.rect(15 * mm, 15 * mm, page_width - 30 * mm, page_height - 30 * mm)

    canvas.setFillColor(INK)
    canvas.setFont(regular, 11)
    canvas.drawRightString(page_width - 28 * mm, page_height - 32 * mm, f"第 {data.number} 号")

    canvas.setFont(bold, 40)
    canvas.setFillColor(ACCENT)
    canvas.drawCentredString(centre, page_height - 70 * mm, "修　了　証")

    # Who: department, then the name with 殿.
    canvas.setFillColor(INK)
    text_width = page_width - 60 * mm
    if data.department:
        size = _fit(data.department, regular, 14, text_width)
        canvas.setFont(regular, size)
        canvas.drawCentredString(centre, page_height - 98 * mm, data.department)
    honorific = "　殿"
    size = _fit(data.name + honorific, bold, 28, text_width)
    name_width = stringWidth(data.name, bold, size) + stringWidth(honorific, regular, size * 0.6)
    x = centre - name_width / 2
    canvas.setFont(bold, size)
    canvas.drawString(x, page_height - 115 * mm, data.name)
    canvas.setFont(regular, size * 0.6)
    canvas.drawString(x + stringWidth(data.name, bold, size), page_height - 115 * mm, honorific)

    # What: one sentence, then the particulars.
    block_x, block_width = 35 * mm, page_width - 70 * mm
    what = "下記の試験に合格した" if data.is_assessment else "下記の研修を修了した"
    # The break after the comma keeps「…したことを証します。」on one line, as a
    # certificate reads; a long city name wraps, in a smaller size if need be,
    # and never reaches the particulars below.
    markup = (
        f"{escape(f'あなたは{data.city}の職員DX研修において、')}<br/>"
        f"{escape(f'{what}ことを証します。')}"
    )
    for size in (14, 13, 12, 11, 10, 9, 8):
        body = ParagraphStyle(
            "body", fontName=regular, fontSize=size, leading=size * 1.7, textColor=INK
        )
        body.wordWrap = "CJK"
        sentence = Paragraph(markup, body)
        _, height = sentence.wrap(block_width, 40 * mm)
        if height <= 22 * mm:
            break
    sentence.drawOn(canvas, block_x, page_height - 130 * mm - height)

    rows = [
        ("試験名" if data.is_assessment else "研修名", data.title),
        ("得点", f"{data.score}点（100点満点・{data.pass_mark}点以上で合格）"),
        ("合格日" if data.is_assessment else "修了日", both_calendars(data.completed_on)),
    ]
    # A very long title gets a smaller size rather than running into the issuer.
    for size in (13, 12, 11, 10, 9, 8):
        table = _particulars(rows, regular, bold, size, block_width)
        _, height = table.wrap(block_width, 60 * mm)
        if height <= 52 * mm:
            break
    table.drawOn(canvas, block_x, 140 * mm - height)

    # Issuer.
    canvas.setFont(regular, 12)
    canvas.drawRightString(page_width - 35 * mm, 86 * mm, f"発行日　{both_calendars(issued_on)}")
    size = _fit(data.city, bold, 20, page_width - 60 * mm)
    canvas.setFont(bold, size)
    canvas.drawRightString(page_width - 35 * mm, 72 * mm, data.city)

    # Verification: the code, and the address (also as a QR code) when one is
    # configured; otherwise the page's path on the issuer's system.
    box_x, box_y, box_w, box_h = 22 * mm, 22 * mm, page_width - 44 * mm, 38 * mm
    canvas.setStrokeColor(colors.HexColor("#b8c2cc"))
    canvas.setLineWidth(0.5)
    canvas.rect(box_x, box_y, box_w, box_h)
    text_x = box_x + 5 * mm
    text_width = box_w - 10 * mm
    if data.verify_url:
        qr_size = 32 * mm
        _draw_qr(canvas, data.verify_url, box_x + box_w - qr_size - 3 * mm, box_y + 3 * mm, qr_size)
        text_width = box_w - qr_size - 12 * mm
    canvas.setFillColor(INK)
    canvas.setFont(regular, 10)
    canvas.drawString(text_x, box_y + 29 * mm, "確認コード")
    canvas.setFont(bold, 15)
    canvas.drawString(text_x, box_y + 21 * mm, data.code)
    canvas.setFont(regular, 9)
    canvas.setFillColor(MUTED)
    canvas.drawString(
        text_x,
        box_y + 13 * mm,
        "この修了証の有効性は、次のアドレスで確認コードにより確認できます。"
        if data.verify_url
        else "この修了証の有効性は、発行元の研修システムの次のページで確認できます。",
    )
    canvas.setFillColor(INK)
    shown = data.verify_url or data.verify_path
    size = _fit(shown, regular, 9, text_width, smallest=5)
    canvas.setFont(regular, size)
    canvas.drawString(text_x, box_y + 6 * mm, shown)
    if data.verify_url:
        canvas.linkURL(
            data.verify_url,
            (text_x, box_y + 4 * mm, text_x + text_width, box_y + 10 * mm),
            relative=0,
        )

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
