"""Reading and writing the spreadsheets HR works with.

Reading: CSV in UTF-8 (with or without BOM) or CP932, detected rather than
asked, and XLSX (first sheet unless told); Japanese or English headers; every
cell as text. Writing: CSV that opens correctly in Japanese Excel (UTF-8 with
BOM, or CP932) and XLSX, both guarded against formula injection.

Reading streams the file (an XLSX in openpyxl's read-only mode) within limits
of rows, columns and cells, and refuses control characters with their row and
column: every import reads its files through here.
"""

import codecs
import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TypeVar

from skillapp.util.text import control_char_name, find_control_char, nfkc

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


@dataclass(frozen=True)
class SpreadsheetLimits:
    """How much of a spreadsheet an import reads; past any of these the file
    is refused as soon as the reading gets there, before it is all read.

    The settings IMPORT_MAX_ROWS, IMPORT_MAX_COLUMNS and IMPORT_MAX_CELLS
    (config.py) give the first three; a roster of 200,000 people is far above
    any city's, and a survey of a few hundred questions above any survey's.
    """

    rows: int = 200_000  # rows below the header row, up to the last one with data
    columns: int = 300  # columns up to the last one with data, in any row
    cells: int = 3_000_000  # the cells of every row up to its last one with data
    # The XML inside an XLSX: a 200,000-person roster unpacks to about 70 MB;
    # its table of shared strings (all read at once) to about 15 MB.
    xlsx_unpacked: int = 256 * 1024 * 1024
    xlsx_shared_strings: int = 32 * 1024 * 1024

    @classmethod
    def from_config(cls) -> "SpreadsheetLimits":
        """The limits set for the app, or the defaults outside an app."""
        from flask import current_app, has_app_context

        if not has_app_context():
            return cls()
        config = current_app.config
        return cls(
            rows=int(config.get("IMPORT_MAX_ROWS", cls.rows)),
            columns=int(config.get("IMPORT_MAX_COLUMNS", cls.columns)),
            cells=int(config.get("IMPORT_MAX_CELLS", cls.cells)),
        )


# At most this many control characters are listed one by one.
MAX_LISTED_CONTROL_CHARS = 100


def column_letter(index: int) -> str:
    """The spreadsheet name of a 0-based column: A, B, … Z, AA, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class _Grid:
    """The rows of a file as they are read, from the header row on: leading
    blank rows are dropped, trailing ones never kept, and the limits and the
    control-character check applied row by row."""

    def __init__(self, limits: SpreadsheetLimits):
        self.limits = limits
        self.rows: list[list[str]] = []
        self.blank_run = 0  # blank rows read since the last row with data
        self.cells = 0
        self.headers: list[str] = []
        self.control: list[CellProblem] = []
        self.control_count = 0
        self.read = 0  # the last XLSX row number read

    def add_at(self, number: int, cells: dict[int, str]) -> None:
        """Add an XLSX row by its row number (1-based; rows may be missing in
        between) from its cells by column number (1-based)."""
        gap = number - self.read - 1
        if gap > 0 and self.rows:
            self.blank_run += gap
        self.read = max(self.read, number)
        if not any(text.strip() for text in cells.values()):
            self.add([])
            return
        width = max(column for column, text in cells.items() if text.strip())
        limit = self.limits.columns
        if width > limit:
            first = min(c for c, text in cells.items() if c > limit and text.strip())
            self.too_wide(len(self.rows) + self.blank_run + 1, first - 1)
        row = [""] * width
        for column, text in cells.items():
            if column <= width:
                row[column - 1] = text
        self.add(row)

    def number_for(self, file_row: int) -> int:
        """The row number (1 = the header row) of an XLSX row not added yet."""
        if not self.rows:
            return 1
        return len(self.rows) + self.blank_run + max(1, file_row - self.read)

    def too_wide(self, number: int, index: int) -> None:
        """Refuse a value in the column of 0-based ``index``, past the limit."""
        limit = self.limits.columns
        raise SpreadsheetError(
            [
                CellProblem(
                    number,
                    column_letter(index),
                    f"列が多すぎます。読み込めるのは{limit:,}列目"
                    f"（{column_letter(limit - 1)}列）までです。",
                )
            ]
        )

    def add(self, cells: list[str]) -> None:
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            if self.rows:
                self.blank_run += 1
            return
        if self.blank_run:
            self.rows.extend([] for _ in range(self.blank_run))
            self.blank_run = 0
        number = len(self.rows) + 1
        limits = self.limits
        if number - 1 > limits.rows:
            raise SpreadsheetError(
                [
                    CellProblem(
                        number,
                        None,
                        f"データの行が多すぎます。読み込めるのは{limits.rows:,}行までです"
                        "（見出しの行を除く）。",
                    )
                ]
            )
        if len(cells) > limits.columns:
            self.too_wide(
                number, next(i for i in range(limits.columns, len(cells)) if cells[i].strip())
            )
        self.cells += len(cells)
        if self.cells > limits.cells:
            raise SpreadsheetError(
                [
                    CellProblem(
                        number,
                        None,
                        f"セルが多すぎます。読み込めるのは{limits.cells:,}セルまでです（行数×列数）。",
                    )
                ]
            )
        if not self.rows:
            self.headers = ["" if find_control_char(h) else nfkc(h) for h in cells]
        if find_control_char("\t".join(cells)):
            self._control(number, cells)
        self.rows.append(cells)

    def _control(self, number: int, cells: list[str]) -> None:
        for index, cell in enumerate(cells):
            found = find_control_char(cell)
            if found is None:
                continue
            self.control_count += 1
            if len(self.control) >= MAX_LISTED_CONTROL_CHARS:
                continue
            header = self.headers[index] if number > 1 and index < len(self.headers) else ""
            position, char = found
            self.control.append(
                CellProblem(
                    number,
                    header or column_letter(index),
                    f"{position + 1}文字目に制御文字（{control_char_name(char)}）があります。"
                    "取り除いてから読み込んでください。",
                )
            )

    def finish(self) -> list[list[str]]:
        if self.control:
            more = self.control_count - len(self.control)
            if more:
                self.control.append(
                    CellProblem(None, None, f"ほかにも{more:,}か所に制御文字があります。")
                )
            raise SpreadsheetError(self.control)
        if not self.rows:
            raise SpreadsheetError([CellProblem(None, None, "見出し行がありません。")])
        return self.rows


def read_grid(
    data: bytes, *, sheet: str | int = 0, limits: SpreadsheetLimits | None = None
) -> tuple[list[list[str]], str]:
    """Every cell of a CSV or XLSX file as text, from its header row on (row 1),
    and the encoding found ("xlsx" for a workbook). Rows end at their last cell
    with data. Read as a stream within ``limits`` (by default the app's);
    a file beyond them, or holding a control character (with its row and
    column), raises SpreadsheetError, as does one that cannot be read."""
    limits = limits or SpreadsheetLimits.from_config()
    if not data.strip():
        raise SpreadsheetError([CellProblem(None, None, "ファイルが空です。")])
    grid = _Grid(limits)
    if data.startswith(XLSX_MAGIC):
        _read_xlsx(data, sheet, limits, grid)
        return grid.finish(), "xlsx"
    text, encoding = decode_csv(data)
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            grid.add(row)
    except csv.Error as error:
        raise SpreadsheetError(
            [CellProblem(None, None, f"CSV として読めません: {error}")]
        ) from error
    return grid.finish(), encoding


def _read_xlsx(data: bytes, sheet: str | int, limits: SpreadsheetLimits, grid: "_Grid") -> None:
    """Stream the rows of a workbook's sheet into ``grid``, one row at a time.

    openpyxl's workbook and style parts are read as usual; the sheet itself is
    read here, cell by cell, rather than by openpyxl's read-only worksheet,
    which scans a whole sheet that lacks a <dimension> before the first row
    and holds a whole <row> element (any number of cells) in memory. Each cell
    is decoded by openpyxl's own WorkSheetParser.parse_cell (openpyxl is
    pinned in pyproject.toml).
    """
    import zipfile

    def unreadable(error: Exception) -> SpreadsheetError:
        detail = str(error)[:200]
        return SpreadsheetError([CellProblem(None, None, f"Excel ファイルを読めません: {detail}")])

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # zipfile never unpacks more than a member declares.
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise unreadable(error) from error
    unpacked = sum(info.file_size for info in infos)
    strings = sum(info.file_size for info in infos if info.filename.endswith("sharedStrings.xml"))
    if unpacked > limits.xlsx_unpacked or strings > limits.xlsx_shared_strings:
        raise SpreadsheetError(
            [
                CellProblem(
                    None,
                    None,
                    f"Excel ファイルが大きすぎます（展開すると{unpacked / 1024 / 1024:,.0f} MB、"
                    f"読み込めるのは{limits.xlsx_unpacked / 1024 / 1024:,.0f} MBまで、"
                    f"うち文字列の表は{limits.xlsx_shared_strings / 1024 / 1024:,.0f} MBまで）。"
                    "不要なシートや書式を消すか、CSV で保存してください。",
                )
            ]
        )
    try:
        _stream_sheet(data, sheet, limits, grid)
    except SpreadsheetError:
        raise
    except Exception as error:  # noqa: BLE001 — any damaged or unreadable part
        raise unreadable(error) from error


def _stream_sheet(data: bytes, sheet: str | int, limits: SpreadsheetLimits, grid: "_Grid"):
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    ns = f"{{{SHEET_MAIN_NS}}}"
    row_tag, cell_tag, value_tag = f"{ns}row", f"{ns}c", f"{ns}v"
    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [
            (info, rel)
            for info, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
        if isinstance(sheet, int):
            target = sheets[sheet][1].target
        else:
            target = next(rel.target for info, rel in sheets if info.name == sheet)
        workbook = reader.wb
        strings = reader.shared_strings
        with reader.archive.open(target) as source:
            cells = WorkSheetParser(
                source,
                strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            # Excel's own widest row; a row with more cells is no sheet's, and
            # one row's cells are all that is held at a time.
            most = max(limits.columns, 16_384)
            row_number, row, held = 0, {}, 0
            for _event, element in iterparse(source):
                tag = element.tag
                if tag == cell_tag:
                    held += 1
                    kind = element.get("t")
                    if kind in ("s", "inlineStr") and element.get("r"):
                        # Text, the bulk of a roster, read directly: the column
                        # from the reference, the text from the string table
                        # or the inline runs (not the phonetic guide, rPh).
                        column = _column_number(element.get("r"))
                        cells.col_counter = column
                        if kind == "s":
                            index = element.findtext(value_tag)
                            text = strings[int(index)] if index else ""
                        else:
                            text = _inline_text(element, ns)
                    else:
                        cell = cells.parse_cell(element)
                        column = cell["column"]
                        text = _xlsx_text(cell["value"], cell["data_type"])
                    element.clear()
                    if column > most or held > most:
                        grid.too_wide(grid.number_for(row_number + 1), column - 1)
                    if text:
                        row[column] = text
                elif tag == row_tag:
                    number = element.get("r")
                    row_number = int(number) if number else row_number + 1
                    grid.add_at(row_number, row)
                    element.clear()
                    row, held = {}, 0
                    cells.col_counter = 0
    finally:
        reader.archive.close()


def _column_number(reference: str) -> int:
    """The 1-based column of a cell reference such as "AB12"."""
    number = 0
    for char in reference:
        if char.isdigit():
            break
        number = number * 26 + (ord(char.upper()) - 64)
    return number


def _inline_text(element, ns: str) -> str:
    """The text of an inline string: its <t>, or the <t> of each run <r>."""
    node = element.find(f"{ns}is")
    if node is None:
        return ""
    parts = []
    for child in node:
        if child.tag == f"{ns}t":
            parts.append(child.text or "")
        elif child.tag == f"{ns}r":
            parts.append(child.findtext(f"{ns}t") or "")
    return "".join(parts)


def _xlsx_text(value, data_type: str) -> str:
    """A cell as text, as pandas gave it: whole numbers without ".0", an error
    (#N/A, #DIV/0!) as empty, dates as 2026-04-01 00:00:00."""
    if value is None or data_type == "e":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(
    data: bytes,
    columns: Sequence[Column],
    *,
    sheet: str | int = 0,
    limits: SpreadsheetLimits | None = None,
) -> Table:
    """Read a CSV or XLSX file into rows keyed by column code.

    Headers are matched after NFKC and trimming, against the Japanese header,
    the English code and any aliases, case-insensitively. Extra columns are
    ignored; a missing required column is a problem of row 1.
    """
    grid, encoding = read_grid(data, sheet=sheet, limits=limits)

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
    skip invalid rows (docs/rules.md, Imports); every import can call it.

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


# Characters a spreadsheet program may skip, or a person not see, before a
# trigger: whitespace, and control and format characters (zero-width space and
# joiners, the BOM, soft hyphen, direction marks and overrides, lone combining marks).
_SKIPPABLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Mn"})
# The minus sign (U+2212, and what NFKC folds onto it: ⁻ ₋) reads as "-".
_MINUS_SIGN = "\u2212"


def _looks_like_formula(text: str) -> bool:
    """Whether the first visible character, folded by NFKC (＝ ﹦ ⁼ → =, ＋ → +,
    － − ⁻ → -, ＠ → @), is a trigger; a tab or CR among the leading characters
    counts as one too."""
    for char in text:
        if char in ("\t", "\r"):
            return True
        if char.isspace() or unicodedata.category(char) in _SKIPPABLE:
            continue
        folded = unicodedata.normalize("NFKC", char).replace(_MINUS_SIGN, "-")
        return folded.startswith(FORMULA_TRIGGERS)
    return False


def guard_formula(value):
    """Prefix text that a spreadsheet would run as a formula with an apostrophe:
    decided on what the program sees, not on the first code point alone."""
    if isinstance(value, str) and _looks_like_formula(value):
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
