"""Issue 14.6 and 14.9: every spreadsheet an import reads refuses control
characters with row and column, and is read as a stream within limits of
rows, columns and cells (small limits here; benchmarks/large_uploads.py
measures the big files)."""

import datetime as dt
import io
import time
import zipfile

import pytest

from skillapp.util.spreadsheets import (
    Column,
    SpreadsheetError,
    SpreadsheetLimits,
    read_grid,
    read_table,
)
from skillapp.util.text import find_control_char

COLUMNS = [Column("staff_no", "職員番号"), Column("name", "氏名")]
SMALL = SpreadsheetLimits(rows=5, columns=4, cells=40, xlsx_unpacked=10_000_000)


def xlsx(rows, *, edit=None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if edit is None:
        return data
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = edit(content)
            target.writestr(info.filename, content)
    return out.getvalue()


def messages(error) -> list[str]:
    return [str(p) for p in error.value.problems]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("plain", None),
        ("tab\tand\nlines\r\n", None),
        ("nul\x00", (3, "\x00")),
        ("bell\x07", (4, "\x07")),
        ("\x1bescape", (0, "\x1b")),
        ("del\x7f", (3, "\x7f")),
        ("vertical\x0btab", (8, "\x0b")),
        ("C1 \x85 and full-width ａ are fine", None),
    ],
)
def test_the_shared_check_finds_c0_controls_but_tab_and_line_breaks(text, found):
    assert find_control_char(text) == found


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_a_control_character_in_a_csv_cell_is_refused_with_row_and_column(encoding):
    data = "職員番号,氏名\r\n1001,髙橋\r\n1002,山\x00田\r\n1003,佐藤\x1b\r\n".encode(encoding)
    with pytest.raises(SpreadsheetError) as error:
        read_table(data, COLUMNS)
    advice = "があります。取り除いてから読み込んでください。"
    assert messages(error) == [
        f"3行目 「氏名」列: 2文字目に制御文字（U+0000）{advice}",
        f"4行目 「氏名」列: 3文字目に制御文字（U+001B）{advice}",
    ]


def test_a_control_character_in_a_header_or_an_unnamed_column():
    data = "職員番号,氏\x01名,\r\n1001,髙橋,x\x7f\r\n".encode()
    with pytest.raises(SpreadsheetError) as error:
        read_grid(data)
    assert [(p.row, p.column) for p in error.value.problems] == [(1, "B"), (2, "C")]


def test_a_control_character_in_an_xlsx_cell():
    # openpyxl writes no control character, and XML 1.0 cannot hold one: a
    # workbook that has one anyway (a character reference) is refused too.
    def bell(xml: bytes) -> bytes:
        return xml.replace("髙橋".encode(), "髙&#x7;橋".encode())

    data = xlsx([["職員番号", "氏名"], ["1001", "髙橋"]], edit=bell)
    with pytest.raises(SpreadsheetError) as error:
        read_table(data, COLUMNS)
    assert messages(error)[0].startswith(("2行目 「氏名」列: 2文字目に制御文字", "Excel ファイル"))


def test_many_control_characters_are_listed_up_to_a_point():
    data = ("職員番号,氏名\r\n" + "".join(f"{i},\x00\r\n" for i in range(150))).encode()
    with pytest.raises(SpreadsheetError) as error:
        read_grid(data)
    problems = error.value.problems
    assert len(problems) == 101
    assert str(problems[-1]) == "ほかにも50か所に制御文字があります。"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_more_rows_than_the_limit_are_refused(kind):
    rows = [["職員番号", "氏名"]] + [[str(1000 + i), "名前"] for i in range(6)]
    data = (
        xlsx(rows)
        if kind == "xlsx"
        else "".join(",".join(r) + "\r\n" for r in rows).encode("utf-8")
    )
    assert len(read_grid(data, limits=SpreadsheetLimits(rows=6))[0]) == 7
    with pytest.raises(SpreadsheetError) as error:
        read_grid(data, limits=SMALL)
    assert messages(error) == [
        "7行目: データの行が多すぎます。読み込めるのは5行までです（見出しの行を除く）。"
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_more_columns_than_the_limit_are_refused(kind):
    rows = [["職員番号", "氏名", "a", "b"], ["1001", "名前", "", "", "", "x"]]
    data = (
        xlsx(rows)
        if kind == "xlsx"
        else "".join(",".join(r) + "\r\n" for r in rows).encode("utf-8")
    )
    with pytest.raises(SpreadsheetError) as error:
        read_grid(data, limits=SMALL)
    assert messages(error) == [
        "2行目 「F」列: 列が多すぎます。読み込めるのは4列目（D列）までです。"
    ]


def test_trailing_empty_cells_and_rows_do_not_count():
    rows = [["職員番号", "氏名", None, None, None, None]]
    rows += [["1001", "名前", None, None, None, None, None, None]] * 5
    rows += [[None] * 8] * 20
    grid, _ = read_grid(xlsx(rows), limits=SMALL)
    assert len(grid) == 6
    assert grid[1] == ["1001", "名前"]


def test_more_cells_than_the_limit_are_refused():
    rows = [["a", "b", "c", "d"]] + [["1", "2", "3", "4"]] * 5
    with pytest.raises(SpreadsheetError) as error:
        read_grid(xlsx(rows), limits=SpreadsheetLimits(rows=10, columns=10, cells=20))
    assert messages(error) == [
        "6行目: セルが多すぎます。読み込めるのは20セルまでです（行数×列数）。"
    ]


def test_a_sheet_that_claims_every_column_is_refused_without_reading_it_all():
    # One cell in the last of Excel's 16,384 columns on each of 5,000 rows.
    cells = "".join(
        f'<row r="{r}"><c r="XFD{r}" t="inlineStr"><is><t>x</t></is></c></row>'
        for r in range(2, 5002)
    )

    def wide(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", cells.encode() + b"</sheetData>").replace(
            b'<dimension ref="A1:B1"/>', b'<dimension ref="A1:XFD5001"/>'
        )

    data = xlsx([["職員番号", "氏名"]], edit=wide)
    start = time.perf_counter()
    with pytest.raises(SpreadsheetError) as error:
        read_grid(data, limits=SMALL)
    assert time.perf_counter() - start < 2
    assert messages(error)[0].startswith("2行目 「XFD」列: 列が多すぎます。")


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused_before_reading():
    rows = [["職員番号", "氏名"]] + [[str(i), "x" * 200] for i in range(200)]
    with pytest.raises(SpreadsheetError) as error:
        read_grid(xlsx(rows), limits=SpreadsheetLimits(xlsx_unpacked=20_000))
    assert "展開すると" in messages(error)[0]


def test_xlsx_cells_read_as_before():
    """The streaming reader gives each kind of cell the text pandas gave it."""
    rows = [
        ["text", "int", "float", "whole float", "date", "datetime", "bool", "empty"],
        ["髙橋", 12345, 1.5, 3.0, dt.date(2026, 4, 1), dt.datetime(2026, 4, 1, 9, 30), True, None],
    ]

    grid, encoding = read_grid(xlsx(rows))
    assert encoding == "xlsx"
    assert grid[1] == [
        "髙橋",
        "12345",
        "1.5",
        "3",
        "2026-04-01 00:00:00",
        "2026-04-01 09:30:00",
        "True",
    ]
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["a", "b"])
    workbook.active.append(["x", "=1/0"])
    workbook.active["B2"].data_type = "e"
    workbook.active["B2"].value = "#DIV/0!"
    buffer = io.BytesIO()
    workbook.save(buffer)
    grid, _ = read_grid(buffer.getvalue())
    assert grid[1] == ["x"]  # an error cell reads as empty, as pandas read it


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_a_damaged_xlsx_is_a_clear_problem(part):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["職員番号", "氏名"])
    workbook.active.append(["1", "x" * 500])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = bytearray(buffer.getvalue())
    names = zipfile.ZipFile(io.BytesIO(bytes(data))).namelist()
    if part not in names:  # openpyxl writes inline strings: damage the sheet instead
        part = "xl/worksheets/sheet1.xml"
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(part)
    start = (
        info.header_offset
        + 30
        + len(part)
        + int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    )
    for offset in range(start + 10, start + 20):
        data[offset] ^= 0xFF
    with pytest.raises(SpreadsheetError) as error:
        read_grid(bytes(data))
    assert messages(error)[0].startswith("Excel ファイルを読めません")


def excel_like(sheet_data: str, shared: list[str]) -> bytes:
    """An XLSX as Excel writes one: text in a shared strings part, cells by
    reference; ``sheet_data`` is the XML inside <sheetData>."""
    base = zipfile.ZipFile(io.BytesIO(xlsx([["x"]])))
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in base.infolist():
            content = base.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = f"<worksheet {ns}><sheetData>{sheet_data}</sheetData></worksheet>"
            elif info.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>',
                )
            target.writestr(info.filename, content)
        items = "".join(shared)
        target.writestr("xl/sharedStrings.xml", f'<sst {ns} count="{len(shared)}">{items}</sst>')
    return out.getvalue()


def test_an_excel_workbook_with_shared_strings_rich_text_and_furigana():
    shared = [
        "<si><t>職員番号</t></si>",
        "<si><t>氏名</t></si>",
        # 髙橋 with its reading as Excel keeps it (a phonetic run), read without it.
        "<si><t>髙橋</t><rPh sb='0' eb='2'><t>タカハシ</t></rPh></si>",
        "<si><r><t>山</t></r><r><rPr><b/></rPr><t>田</t></r></si>",
    ]
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="A3"><v>1001</v></c><c r="B3" t="s"><v>2</v></c></row>'
        '<row><c><v>1002</v></c><c t="s"><v>3</v></c></row>'
        '<row r="5"><c r="A5" t="inlineStr"><is><r><t>10</t></r><r><t>03</t></r></is></c>'
        '<c r="B5" t="e"><v>#N/A</v></c></row>'
    )
    grid, encoding = read_grid(excel_like(sheet, shared))
    assert encoding == "xlsx"
    assert grid == [["職員番号", "氏名"], [], ["1001", "髙橋"], ["1002", "山田"], ["1003"]]


def test_a_row_of_more_cells_than_excel_has_is_refused_as_it_is_read():
    cells = "<c><v>1</v></c>" * 20_000  # no references: each is the next column
    start = time.perf_counter()
    with pytest.raises(SpreadsheetError) as error:
        read_grid(excel_like(f'<row r="1">{cells}</row>', ["<si><t>x</t></si>"]))
    assert time.perf_counter() - start < 2
    assert messages(error)[0].startswith("1行目 「XFE」列: 列が多すぎます。")


def test_a_sheet_without_dimension_is_not_scanned_before_its_first_rows():
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 20_001))
    start = time.perf_counter()
    with pytest.raises(SpreadsheetError) as error:
        read_grid(excel_like(rows, ["<si><t>x</t></si>"]), limits=SMALL)
    assert time.perf_counter() - start < 1
    assert messages(error)[0].startswith("7行目: データの行が多すぎます。")
