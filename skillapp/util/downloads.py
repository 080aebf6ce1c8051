"""The names files are downloaded under: in the page's language (Japanese
names for Japanese pages), sent as RFC 6266 ``filename*`` (RFC 5987, UTF-8)
with a plain ASCII ``filename`` for programs that read only that."""

import re
import unicodedata
from urllib.parse import quote

# Characters no file system of a city's PCs accepts in a name, and controls.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]+")
# Long module titles: keep names well inside Windows' 260-character paths.
MAX_LENGTH = 120


def file_name(*parts: object, ext: str) -> str:
    """「未修了者一覧_DXリテラシー_2026年度.csv」 from its parts: joined by "_",
    characters a file name cannot hold replaced, long titles shortened."""
    text = "_".join(str(p) for p in parts if p not in (None, ""))
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE.sub("_", " ".join(text.split())).strip(" ._")
    return f"{text[:MAX_LENGTH].rstrip(' ._') or 'download'}.{ext}"


def ascii_name(name: str) -> str:
    """The fallback for ``filename=``: ASCII letters, digits, . _ - only."""
    stem, dot, ext = name.rpartition(".")
    stem = _NOT_ASCII_NAME.sub("-", stem).strip("-._") or "download"
    return f"{stem}{dot}{ext}" if dot else stem


def content_disposition(name: str, fallback: str) -> str:
    fallback = ascii_name(fallback)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def attach(response, name: str, fallback: str):
    """Send ``response`` as a download named ``name`` (``fallback`` for old programs)."""
    response.headers["Content-Disposition"] = content_disposition(name, fallback)
    return response
