"""Reading PDFs back as a person would: pdftotext for the text, pdfinfo for the
page count, pdftoppm for the pictures (Debian's poppler-utils)."""

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REQUIRE_POPPLER = os.environ.get("SKILLAPP_REQUIRE_POPPLER") == "1"


class Poppler:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self._count = 0

    def _file(self, data: bytes) -> Path:
        self._count += 1
        path = self.workdir / f"doc{self._count}.pdf"
        path.write_bytes(data)
        return path

    def text(self, data: bytes, *, page: int | None = None, layout: bool = False) -> str:
        args = ["pdftotext", "-enc", "UTF-8"]
        if page is not None:
            args += ["-f", str(page), "-l", str(page)]
        if layout:
            args.append("-layout")
        result = subprocess.run(
            [*args, str(self._file(data)), "-"], capture_output=True, check=True, timeout=60
        )
        return result.stdout.decode("utf-8")

    def words(self, data: bytes, *, page: int = 1) -> list[tuple[str, float, float, float, float]]:
        """(text, x0, y0, x1, y1) of each word on a page, y from the top (pdftotext -bbox)."""
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-bbox", "-f", str(page), "-l", str(page)]
            + [str(self._file(data)), "-"],
            capture_output=True,
            check=True,
            timeout=60,
        )
        pattern = re.compile(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
        )
        return [
            (html.unescape(text), float(x0), float(y0), float(x1), float(y1))
            for x0, y0, x1, y1, text in pattern.findall(result.stdout.decode("utf-8"))
        ]

    def info(self, data: bytes) -> dict[str, str]:
        result = subprocess.run(
            ["pdfinfo", "-enc", "UTF-8", str(self._file(data))],
            capture_output=True,
            check=True,
            timeout=60,
        )
        info = {}
        for line in result.stdout.decode("utf-8").splitlines():
            key, _, value = line.partition(":")
            info[key.strip()] = value.strip()
        return info

    def pages(self, data: bytes) -> int:
        return int(self.info(data)["Pages"])

    def fonts(self, data: bytes) -> str:
        result = subprocess.run(
            ["pdffonts", str(self._file(data))], capture_output=True, check=True, timeout=60
        )
        return result.stdout.decode("utf-8")

    def render(self, data: bytes, *, dpi: int = 50) -> list[Path]:
        """Every page as a PNG; pdftoppm fails (and so the test) on a broken PDF."""
        source = self._file(data)
        prefix = source.with_suffix("")
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(source), str(prefix)],
            capture_output=True,
            check=True,
            timeout=120,
        )
        return sorted(self.workdir.glob(f"{prefix.name}-*.png"))


def poppler_or_skip(workdir: Path) -> Poppler:
    if not all(shutil.which(tool) for tool in ("pdftotext", "pdftoppm", "pdfinfo", "pdffonts")):
        reason = "poppler-utils is missing: install Debian's poppler-utils for the PDF tests"
        if REQUIRE_POPPLER:
            pytest.fail(f"{reason} (SKILLAPP_REQUIRE_POPPLER=1)")
        pytest.skip(reason)
    return Poppler(workdir)
