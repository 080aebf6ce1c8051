"""Reading and writing the spreadsheets HR works with.

Reading: CSV in UTF-8 (with or without BOM) or CP932, detected rather than
asked, and XLSX (first sheet unless told); Japanese or English headers; every
cell as text. Writing: CSV that opens correctly in Japanese Excel (UTF-8 with
BOM, or CP932) and XLSX, both guarded against formula injection.

pandas is imported here and in each feature's ``importing.py`` only.
"""

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TypeVar

from skillapp.util.text import nfkc

# A cell starting with one of these is taken as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

XLSX_MAGIC = b"PK\x03\x04"

# Row numbers are the header row's 1 and the data rows' 2, 3, …
FIRST_DATA_ROW = 2

T = TypeVar("T")


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (encoding, format, headers)."""

    def __init__(self, problems: list["CellProblem"]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class CellProblem:
    """A problem at a row (1 = the header row) and a column (its header), for people."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"{self.row}行目")
        if self.column:
            where.append(f"「{self.column}」列")
        return f"{' '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Column:
    code: str
    header: str  # the Japanese header
    required: bool = True
    aliases: tuple[str, ...] = ()


@dataclass
class Table:
    """Rows as dicts keyed by column code, with the file row number of each."""

    rows: list[dict[str, str]]
    row_numbers: list[int]
    headers: dict[str, str]  # code -> header as written in the file
    encoding: str
    extra_headers: list[str] = field(default_factory=list)


def decode_csv(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM or not) first, then CP932."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as error:
        raise SpreadsheetError(
            [
                CellProblem(
                    None,
                    None,
                    (
                        "文字コードを判別できません。UTF-8 または Shift_JIS（CP932）の CSV、"
                        "または Excel（.xlsx）で保存してください。"
                        f"（{error.start + 1}バイト目）"
                    ),
                )
            ]
        ) from error


def read_grid(data: bytes, *, sheet: str | int = 0) -> tuple[list[list[str]], str]:
    """Every cell of a CSV or XLSX file as text, from its header row on, and the
    encoding found ("xlsx" for a workbook). Raises SpreadsheetError."""
    import pandas as pd

    if not data.strip():
        raise SpreadsheetError([CellProblem(None, None, "ファイルが空です。")])
    if data.startswith(XLSX_MAGIC):
        try:
            frame = pd.read_excel(
                io.BytesIO(data), sheet_name=sheet, dtype=str, header=None, engine="openpyxl"
            )
        except Exception as error:  # noqa: BLE001 — any unreadable workbook
            raise SpreadsheetError(
                [CellProblem(None, None, f"Excel ファイルを読めません: {error}")]
            ) from error
        encoding = "xlsx"
        grid = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    else:
        text, encoding = decode_csv(data)
        try:
            grid = [row for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as error:
            raise SpreadsheetError(
                [CellProblem(None, None, f"CSV として読めません: {error}")]
            ) from error
    while grid and not any(cell.strip() for cell in grid[0]):
        grid.pop(0)  # leading blank lines
    if not grid:
        raise SpreadsheetError([CellProblem(None, None, "見出し行がありません。")])
    return grid, encoding


def read_table(data: bytes, columns: Sequence[Column], *, sheet: str | int = 0) -> Table:
    """Read a CSV or XLSX file into rows keyed by column code.

    Headers are matched after NFKC and trimming, against the Japanese header,
    the English code and any aliases, case-insensitively. Extra columns are
    ignored; a missing required column is a problem of row 1.
    """
    grid, encoding = read_grid(data, sheet=sheet)

    header_row = [nfkc(h) for h in grid[0]]
    lookup = {}
    for column in columns:
        for name in (column.header, column.code, *column.aliases):
            lookup[nfkc(name).lower()] = column.code
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    extra = []
    problems = []
    for index, header in enumerate(header_row):
        code = lookup.get(header.lower())
        if code is None:
            if header:
                extra.append(header)
            continue
        if code in positions:
            problems.append(CellProblem(1, header, "同じ列が2回あります。"))
            continue
        positions[code] = index
        headers[code] = header
    for column in columns:
        if column.required and column.code not in positions:
            problems.append(CellProblem(1, column.header, "必須の列がありません。"))
    if problems:
        raise SpreadsheetError(problems)

    rows, numbers = [], []
    for offset, raw in enumerate(grid[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue  # blank lines, common at the end of Excel exports
        rows.append(
            {code: (raw[i].strip() if i < len(raw) else "") for code, i in positions.items()}
        )
        numbers.append(offset)
    for column in columns:
        headers.setdefault(column.code, column.header)
    return Table(
        rows=rows, row_numbers=numbers, headers=headers, encoding=encoding, extra_headers=extra
    )


def skip_invalid_rows(
    rows: Iterable[T],
    problems: Iterable[CellProblem],
    *,
    row_of: Callable[[T], int] = attrgetter("row"),
) -> tuple[list[T], list[CellProblem]]:
    """Set aside the rows that have problems, for an import whose user chose to
    skip invalid rows (PRODUCT.md, Imports); every import can call it.

    ``rows`` are the parsed data rows, each with its file row number (``row_of``),
    valid or not; ``problems`` every problem found. Returns the rows that have no
    problem and the problems of the rows left out, in file order, to be shown to
    the user. A problem of the file itself (no row, or the header row 1: the
    encoding, a missing column, no data) cannot be skipped: SpreadsheetError with
    those problems, and the import stops. Which of two rows that clash (a key
    given twice) is the invalid one is the parser's choice: the row carrying the
    problem is the one skipped.
    """
    problems = list(problems)
    whole_file = [p for p in problems if p.row is None or p.row < FIRST_DATA_ROW]
    if whole_file:
        raise SpreadsheetError(whole_file)
    bad = {p.row for p in problems}
    kept = [row for row in rows if row_of(row) not in bad]
    return kept, sorted(problems, key=attrgetter("row"))


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "" if text == "nan" else text


def guard_formula(value):
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def to_csv(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    encoding: str = "utf-8-sig",
    preamble: Sequence[Sequence] = (),
) -> bytes:
    """CSV for Japanese Excel: UTF-8 with BOM by default, or CP932; CRLF line ends."""
    if encoding not in ("utf-8-sig", "cp932"):
        raise ValueError("encoding must be utf-8-sig or cp932")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in preamble:
        writer.writerow([guard_formula(v) for v in line])
    writer.writerow([guard_formula(h) for h in headers])
    for row in rows:
        writer.writerow([guard_formula("" if v is None else v) for v in row])
    if encoding == "cp932":
        return _encode_cp932(buffer.getvalue())
    return buffer.getvalue().encode("utf-8-sig")


def _geta(error: UnicodeEncodeError):
    return "〓" * (error.end - error.start), error.end


# CP932 cannot hold every character: such a character becomes 〓 (geta), the
# conventional mark for it in Japanese documents, rather than failing the export.
codecs.register_error("skillapp-geta", _geta)


def _encode_cp932(text: str) -> bytes:
    return text.encode("cp932", errors="skillapp-geta")


def to_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str = "Sheet1",
    preamble: Sequence[Sequence] = (),
) -> bytes:
    """XLSX with optional preamble lines (fiscal year, as-of date, filters) above the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for line in preamble:
        sheet.append([guard_formula(v) for v in line])
    if preamble:
        sheet.append([])
    sheet.append([guard_formula(h) for h in headers])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    # A coordinate, not sheet.cell(): that would create the cell, and the
    # first row of data would then start one row further down.
    sheet.freeze_panes = f"A{sheet.max_row + 1}"
    for row in rows:
        sheet.append([guard_formula(v) for v in row])
    for column in sheet.columns:
        width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width * 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence], *, every: int = 500):
    """The CSV of ``to_csv`` (UTF-8 with BOM, CRLF, formulas guarded) as a
    stream of byte chunks, for a download too long to build in memory."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([guard_formula(h) for h in headers])
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(rows, start=1):
        writer.writerow([guard_formula("" if v is None else v) for v in row])
        if n % every == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue().encode("utf-8")
