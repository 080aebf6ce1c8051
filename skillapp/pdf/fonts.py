"""The Japanese font every PDF embeds: BIZ UDGothic (Morisawa, SIL OFL 1.1).

The TrueType files ship with the package (``skillapp/pdf/fonts/``, licence in
``OFL.txt``), so PDFs render the same on a closed network with no system fonts.
reportlab embeds only the glyphs a document uses. The font covers JIS X 0208
and the IBM/NEC extensions that Japanese names need, e.g. 髙 (U+9AD9) and
﨑 (U+FA11).
"""

from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "BIZUDGothic"
BOLD = "BIZUDGothic-Bold"
_FILES = {REGULAR: "BIZUDGothic-Regular.ttf", BOLD: "BIZUDGothic-Bold.ttf"}


@cache
def register_fonts() -> tuple[str, str]:
    """Register the regular and bold faces with reportlab, once per process.

    Returns their names (regular, bold). Paragraph markup ``<b>`` maps to the
    bold face.
    """
    for name, file_name in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file_name)))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
    return REGULAR, BOLD


def missing_glyphs(text: str, font_name: str = REGULAR) -> set[str]:
    """The characters of ``text`` the font has no glyph for (spaces aside)."""
    register_fonts()
    font = pdfmetrics.getFont(font_name)
    glyphs = font.face.charToGlyph
    return {ch for ch in text if not ch.isspace() and ord(ch) not in glyphs}
