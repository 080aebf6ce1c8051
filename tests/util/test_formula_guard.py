"""The formula-injection guard decides on what a spreadsheet program will see:
full-width and other compatibility forms of = + - @ (NFKC), after any leading
whitespace, zero-width, BOM and direction characters. Every variant is
prefixed with an apostrophe in CSV and XLSX; ordinary text is left alone."""

import io

import pytest

from skillapp.util.spreadsheets import guard_formula, to_csv, to_xlsx

# Each trigger and its compatibility forms (NFKC folds them onto the ASCII one).
TRIGGERS = {
    "=": ["=", "＝", "﹦", "⁼", "₌"],
    "+": ["+", "＋", "﹢", "⁺", "₊"],
    "-": ["-", "－", "﹣", "⁻", "₋", "−"],  # the last: U+2212 MINUS SIGN
    "@": ["@", "＠", "﹫"],
}
CONTROL_TRIGGERS = ["\t", "\r"]
# What can stand, unseen or as blank, before the trigger.
PREFIXES = [
    "",
    " ",
    "  ",
    "\u3000",  # ideographic space
    "\u00a0",  # no-break space
    "\n",
    "\u200b",  # zero-width space
    "\u200c",
    "\u200d",
    "\u2060",  # word joiner
    "\ufeff",  # BOM / zero-width no-break space
    "\u00ad",  # soft hyphen
    "\u200e",  # left-to-right mark
    "\u200f",
    "\u202a",
    "\u202e",  # right-to-left override
    "\u2066",
    "\u2069",
    "\u180e",  # Mongolian vowel separator
    "\u200b\ufeff \u3000",  # several
]
BODIES = ["1+1", 'HYPERLINK("http://evil.example","x")', "cmd|' /C calc'!A0", "SUM(A1)"]
VARIANTS = [
    prefix + trigger + body
    for forms in TRIGGERS.values()
    for trigger in forms
    for prefix in PREFIXES
    for body in BODIES[:2]
] + [prefix + control + "x" for control in CONTROL_TRIGGERS for prefix in PREFIXES]


def test_every_trigger_variant_is_neutralised():
    missed = [repr(v) for v in VARIANTS if guard_formula(v) != "'" + v]
    assert not missed, f"{len(missed)} of {len(VARIANTS)} missed: {missed[:20]}"


@pytest.mark.parametrize(
    "value",
    ["＝1+1", "\u200b=1+1", "\ufeff@SUM(A1)", "\u3000＋81", "\u200e−2", " =cmd|' /C calc'!A0"],
)
def test_csv_and_xlsx_carry_the_guard(value):
    from openpyxl import load_workbook

    csv_text = to_csv(["氏名"], [[value]]).decode("utf-8-sig")
    assert csv_text.splitlines()[1].strip('"') == "'" + value
    cp932 = to_csv(["氏名"], [[value]], encoding="cp932").decode("cp932")
    assert cp932.splitlines()[1].lstrip('"').startswith("'")
    sheet = load_workbook(io.BytesIO(to_xlsx(["氏名"], [[value]]))).active
    cell = sheet["A2"]
    assert cell.value == "'" + value and cell.data_type == "s"


@pytest.mark.parametrize(
    "value",
    [
        "田中",
        " 田中",
        "\u200b田中",
        "総務部総務課",
        "A=1",
        "1-2",
        "mail@example.lg.jp",
        "主事（＝係員）",
        "",
        "\u3000",
        "２０２６",
    ],
)
def test_ordinary_text_is_left_alone(value):
    assert guard_formula(value) == value


def test_numbers_stay_numbers():
    assert guard_formula(-5) == -5 and guard_formula(70.5) == 70.5 and guard_formula(None) is None
