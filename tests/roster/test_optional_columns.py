"""Issue 14.1: an optional column absent from the roster file leaves its values
alone; only a present, empty cell clears a value, and the preview says so."""

import re
from datetime import date

from sqlalchemy import select

from skillapp.extensions import db
from skillapp.roster import importing
from skillapp.roster.models import Staff, StaffState
from tests.roster.test_import import csv_bytes, run_import
from tests.roster.test_views import upload

FULL = ["職員番号", "氏名", "所属", "職名", "雇用区分", "在籍", "メール"]
APRIL = [
    ["1001", "髙橋 一郎", "総務部総務課", "課長", "正規", "在籍", "ichiro@example.jp"],
    ["1002", "山﨑 花子", "総務部総務課", "主事", "再任用", "在籍", "hanako@example.jp"],
]
# The same people without the optional columns; 1002 moves to another unit.
REQUIRED_ONLY = ["職員番号", "氏名", "所属", "職名"]
OCTOBER = [
    ["1001", "髙橋 一郎", "総務部総務課", "課長"],
    ["1002", "山﨑 花子", "市民部市民課", "主事"],
]


def _people():
    return {
        s.staff_no: (s.employment_type, s.email, s.department.name)
        for s in db.session.scalars(select(Staff))
    }


def test_absent_optional_columns_keep_their_values():
    run_import(csv_bytes(APRIL, header=FULL), date(2026, 4, 1))
    data = csv_bytes(OCTOBER, header=REQUIRED_ONLY)
    rows, problems = importing.parse_roster(data)
    assert problems == []
    plan = importing.plan_import(db.session, rows, as_of=date(2026, 10, 1))
    assert plan.unchanged == 1
    [change] = plan.changed
    assert change.fields == ["department"]
    assert plan.absent_columns == ["雇用区分", "メール"]
    importing.apply_import(db.session, plan, file_name="october.csv", data=data)
    db.session.commit()
    assert _people() == {
        "1001": ("正規", "ichiro@example.jp", "総務部総務課"),
        "1002": ("再任用", "hanako@example.jp", "市民部市民課"),
    }
    # The history row written for October keeps them too.
    october = db.session.scalar(
        select(StaffState).where(StaffState.effective_from == date(2026, 10, 1))
    )
    assert (october.employment_type, october.email) == ("再任用", "hanako@example.jp")


def test_new_people_without_the_optional_columns_get_empty_values():
    run_import(csv_bytes(OCTOBER, header=REQUIRED_ONLY), date(2026, 4, 1))
    assert _people()["1001"][:2] == ("", "")


def test_a_present_empty_cell_clears_the_value():
    run_import(csv_bytes(APRIL, header=FULL), date(2026, 4, 1))
    rows = [
        ["1001", "髙橋 一郎", "総務部総務課", "課長", "", "在籍", "ichiro@example.jp"],
        ["1002", "山﨑 花子", "総務部総務課", "主事", "再任用", "在籍", ""],
    ]
    plan, _result = run_import(csv_bytes(rows, header=FULL), date(2026, 10, 1))
    assert [(c.row.staff_no, c.fields) for c in plan.changed] == [
        ("1001", ["employment_type"]),
        ("1002", ["email"]),
    ]
    assert plan.absent_columns == []
    assert _people()["1001"][:2] == ("", "ichiro@example.jp")
    assert _people()["1002"][:2] == ("再任用", "")


def test_the_preview_keeps_absent_columns_and_names_cleared_values(client, login, make_user):
    run_import(csv_bytes(APRIL, header=FULL), date(2026, 4, 1))
    login(make_user(roles=["hr"]))
    page = upload(client, csv_bytes(OCTOBER, header=REQUIRED_ONLY)).get_data(as_text=True)
    assert "正規 → —" not in page and "再任用 → —" not in page
    assert re.search(r"雇用区分.{0,5}メール.{0,80}今の値", page, re.S)
    cleared = [["1001", "髙橋 一郎", "総務部総務課", "課長", "", "在籍", "ichiro@example.jp"]]
    page = upload(client, csv_bytes(cleared, header=FULL)).get_data(as_text=True)
    assert re.search(r"雇用区分: 正規 → <[^>]+>空にします", page)


def test_the_command_says_which_values_are_kept_and_which_cleared(runner, tmp_path):
    run_import(csv_bytes(APRIL, header=FULL), date(2026, 4, 1))
    path = tmp_path / "october.csv"
    path.write_bytes(csv_bytes(OCTOBER, header=REQUIRED_ONLY))
    result = runner.invoke(args=["roster", "import", str(path), "--dry-run"])
    assert "kept: no 雇用区分/メール column in the file" in result.output
    assert "changed    row 3: 1002 (department)" in result.output
    cleared = [["1001", "髙橋 一郎", "総務部総務課", "課長", "", "在籍", "ichiro@example.jp"]]
    path.write_bytes(csv_bytes(cleared, header=FULL))
    result = runner.invoke(args=["roster", "import", str(path), "--dry-run"])
    assert "changed    row 2: 1001 (employment_type cleared)" in result.output
