import io

import pytest

from skillapp.util.spreadsheets import (
    Column,
    SpreadsheetError,
    guard_formula,
    read_table,
    to_csv,
    to_xlsx,
)

COLUMNS = [
    Column("staff_no", "職員番号"),
    Column("name", "氏名"),
    Column("email", "メール", required=False),
]
TEXT = "職員番号,氏名,備考\r\n０００１２,髙橋 﨑子,x\r\n\r\n00013,山田 太郎,\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_encodings_are_detected(encoding):
    table = read_table(TEXT.encode(encoding), COLUMNS)
    assert table.encoding == encoding
    assert [r["name"] for r in table.rows] == ["髙橋 﨑子", "山田 太郎"]
    assert table.row_numbers == [2, 4]  # the blank line is skipped, numbering kept
    assert table.rows[0]["staff_no"] == "０００１２"  # normalising is the importer's job
    assert table.extra_headers == ["備考"]


def test_english_headers_and_xlsx():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["STAFF_NO", "Name", "email"])
    workbook.active.append(["00012", "髙橋", "a@example.jp"])
    workbook.active.append([13, "佐藤", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), COLUMNS)
    assert table.encoding == "xlsx"
    assert table.rows == [
        {"staff_no": "00012", "name": "髙橋", "email": "a@example.jp"},
        {"staff_no": "13", "name": "佐藤", "email": ""},
    ]


def test_missing_required_column_is_reported_on_row_1():
    with pytest.raises(SpreadsheetError) as error:
        read_table("職員番号,所属\n1,総務課\n".encode(), COLUMNS)
    assert [str(p) for p in error.value.problems] == ["1行目 「氏名」列: 必須の列がありません。"]


def test_undecodable_bytes_are_a_clear_error():
    with pytest.raises(SpreadsheetError) as error:
        read_table(b"\xff\xfe\x00\x81\x00garbage", COLUMNS)
    assert "文字コード" in str(error.value)


@pytest.mark.parametrize("value", ["=1+1", "+81", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_injection_triggers_are_neutralised(value):
    assert guard_formula(value) == "'" + value
    assert ("'" + value).encode("utf-8") in to_csv(["h"], [[value]]).replace(b'"', b"")


def test_safe_values_are_untouched():
    assert guard_formula("田中") == "田中"
    assert guard_formula(70) == 70
    assert guard_formula(-5) == -5  # numbers stay numbers


def test_csv_for_japanese_excel():
    data = to_csv(["氏名", "点数"], [["髙橋 﨑子", 70]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "氏名,点数\r\n髙橋 﨑子,70\r\n"
    cp = to_csv(["氏名"], [["髙橋 﨑子"], ["😀"]], encoding="cp932")
    assert cp.decode("cp932") == "氏名\r\n髙橋 﨑子\r\n〓\r\n"


def test_xlsx_keeps_formulas_as_text_and_carries_the_preamble():
    from openpyxl import load_workbook

    data = to_xlsx(
        ["氏名"],
        [['=HYPERLINK("http://x")']],
        preamble=[["年度", "2026年度（令和8年度）"], ["基準日", "2027-03-31"]],
    )
    sheet = load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["年度", "2026年度（令和8年度）"]
    # The preamble, one blank line, the header, and the data right below it.
    assert [row[0] for row in values] == [
        "年度",
        "基準日",
        None,
        "氏名",
        '\'=HYPERLINK("http://x")',
    ]
    assert sheet.freeze_panes == "A5"


def test_skip_invalid_rows_keeps_the_valid_rows_and_lists_the_others():
    from dataclasses import dataclass

    from skillapp.util.spreadsheets import CellProblem, skip_invalid_rows

    @dataclass
    class Row:
        row: int
        value: str

    rows = [Row(2, "a"), Row(3, ""), Row(4, "c"), Row(5, "d")]
    problems = [
        CellProblem(5, "値", "x"),
        CellProblem(3, "値", "値が空です。"),
        CellProblem(3, "番号", "y"),
    ]
    kept, skipped = skip_invalid_rows(rows, problems)
    assert [r.value for r in kept] == ["a", "c"]
    assert [(p.row, p.column) for p in skipped] == [(3, "値"), (3, "番号"), (5, "値")]
    # Rows given as anything, with their number found by a function.
    kept, _ = skip_invalid_rows([(2, "a"), (3, "b")], problems, row_of=lambda r: r[0])
    assert kept == [(2, "a")]
    assert skip_invalid_rows(rows, []) == (rows, [])


@pytest.mark.parametrize("row", [None, 1])
def test_problems_of_the_file_itself_cannot_be_skipped(row):
    from skillapp.util.spreadsheets import CellProblem, skip_invalid_rows

    fatal = CellProblem(row, "職員番号", "必須の列がありません。")
    with pytest.raises(SpreadsheetError) as error:
        skip_invalid_rows([], [CellProblem(2, "氏名", "値が空です。"), fatal])
    assert error.value.problems == [fatal]
