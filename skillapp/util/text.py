"""Text normalisation for identifiers that come from people and spreadsheets."""

import unicodedata


def nfkc(value: str | None) -> str:
    """NFKC-normalise and trim: full-width digits and letters become ASCII."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def normalize_staff_no(value: str | None) -> str:
    return nfkc(value)
