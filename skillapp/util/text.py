"""Text normalisation for identifiers that come from people and spreadsheets."""

import re
import unicodedata


def nfkc(value: str | None) -> str:
    """NFKC-normalise and trim: full-width digits and letters become ASCII."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def normalize_staff_no(value: str | None) -> str:
    return nfkc(value)


# C0 control characters other than tab and the line breaks (LF, and CR of
# CRLF or old Mac files), and DEL. None belongs in a name, an answer or a
# lesson, and PostgreSQL refuses NUL in text: every parser of a user's file
# refuses them, with where they are (issue 14).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def find_control_char(text: str) -> tuple[int, str] | None:
    """The first control character that a user's file must not hold, as its
    0-based position and the character; None when there is none."""
    match = _CONTROL_CHARS.search(text)
    return None if match is None else (match.start(), match.group())


def control_char_name(char: str) -> str:
    """How a message names a control character: U+0000."""
    return f"U+{ord(char):04X}"
