import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from skillapp.auth.models import User
from skillapp.extensions import db
from skillapp.roster import importing
from skillapp.roster.models import Department, RosterImport, Staff, StaffState
from skillapp.roster.services import state_at
from skillapp.util.dates import today_jst

HEADER = ["職員番号", "氏名", "所属", "職名", "雇用区分", "在籍"]
MARCH = [
    ["1001", "髙橋 一郎", "総務部総務課", "課長", "正規", "在籍"],
    ["1002", "山﨑 花子", "総務部総務課", "主事", "正規", "在籍"],
    ["1003", "佐藤 次郎", "市民部市民課", "主幹", "再任用", ""],
]


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def run_import(data, as_of, **options):
    rows, problems = importing.parse_roster(data)
    assert problems == []
    plan = importing.plan_import(
        db.session, rows, as_of=as_of, deactivate_missing=options.get("deactivate_missing", False)
    )
    result = importing.apply_import(db.session, plan, file_name="roster.csv", data=data, **options)
    db.session.commit()
    return plan, result


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_each_csv_encoding(encoding):
    rows, problems = importing.parse_roster(csv_bytes(MARCH, encoding=encoding))
    assert problems == []
    assert [r.name for r in rows] == ["髙橋 一郎", "山﨑 花子", "佐藤 次郎"]


def test_xlsx_with_english_headers_and_full_width_numbers():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["staff_no", "name", "department", "job_title", "active"])
    workbook.active.append(["１００４", "鈴木 三郎", "企画部ＤＸ推進課", "主任", "1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows, problems = importing.parse_roster(buffer.getvalue())
    assert problems == []
    assert (rows[0].staff_no, rows[0].department) == ("1004", "企画部DX推進課")


def test_every_problem_has_row_and_column():
    data = csv_bytes(
        [
            ["1001", "", "総務部総務課", "課長", "", ""],
            ["10 01", "氏名", "総務部総務課", "課長", "", ""],
            ["1005", "氏名", "総務部総務課", "課長", "", "たぶん"],
            ["1005", "氏名", "総務部総務課", "", "", ""],
        ]
    )
    rows, problems = importing.parse_roster(data)
    assert rows == [] or all(r.staff_no != "1005" for r in rows[1:])
    messages = [str(p) for p in problems]
    assert messages[0] == "2行目 「氏名」列: 値が空です。"
    assert messages[1].startswith("3行目 「職員番号」列:")
    assert messages[2].startswith("4行目 「在籍」列:")
    assert "5行目 「職員番号」列: 職員番号「1005」が4行目と重複しています。" in messages
    assert "5行目 「職名」列: 値が空です。" in messages


def test_cli_reports_problems_and_writes_nothing(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([["1001", "", "総務部総務課", "課長", "", ""]]))
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 1
    assert "bad.csv: 2行目 「氏名」列: 値が空です。" in result.output
    assert count(Staff) == 0 and count(RosterImport) == 0


def test_dry_run_shows_and_writes_nothing(runner, tmp_path):
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes(MARCH))
    result = runner.invoke(args=["roster", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "new 3" in result.output and "unclassified 1" in result.output
    assert "主幹" in result.output
    assert count(Staff) == 0 and count(User) == 0


def test_import_creates_staff_history_departments_and_accounts(runner, tmp_path):
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes(MARCH))
    out = tmp_path / "passwords.csv"
    result = runner.invoke(
        args=["roster", "import", str(path), "--as-of", "2026-03-01", "--passwords-out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert count(Staff) == 3 and count(StaffState) == 3 and count(User) == 3
    staff = {s.staff_no: s for s in db.session.scalars(select(Staff))}
    assert staff["1001"].band == "management" and staff["1003"].band is None
    section = db.session.scalar(select(Department).where(Department.name == "総務部総務課"))
    assert section.parent.name == "総務部"
    record = db.session.scalar(select(RosterImport))
    assert record.counts["new"] == 3 and len(record.sha256) == 64
    passwords = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert passwords[0] == ["職員番号", "氏名", "所属", "初回パスワード"]
    assert len({row[3] for row in passwords[1:]}) == 3  # one each, never shared
    assert (out.stat().st_mode & 0o777) == 0o600


def test_first_password_works_once_and_must_be_changed(client, login, tmp_path, runner):
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes(MARCH[:1]))
    out = tmp_path / "pw.csv"
    runner.invoke(args=["roster", "import", str(path), "--passwords-out", str(out)])
    password = out.read_bytes().decode("utf-8-sig").splitlines()[1].split(",")[3]
    response = login("1001", password, follow=False)
    assert "/account/password" in response.location


def test_the_same_file_twice_changes_nothing():
    data = csv_bytes(MARCH)
    run_import(data, date(2026, 3, 1))
    before = (count(Staff), count(StaffState), count(User), count(Department))
    plan, _ = run_import(data, date(2026, 3, 1))
    assert not plan.has_changes and plan.unchanged == 3
    assert (count(Staff), count(StaffState), count(User), count(Department)) == before


def test_history_across_1_april():
    run_import(csv_bytes(MARCH), date(2026, 3, 1))
    april = [row[:] for row in MARCH]
    april[1][3] = "主任"  # promoted on 1 April
    april[1][2] = "市民部市民課"
    plan, _ = run_import(csv_bytes(april), date(2026, 4, 1))
    assert [c.row.staff_no for c in plan.changed] == ["1002"]
    assert plan.changed[0].fields == ["department", "job_title"]

    def state(on, staff_no):
        s = state_at(on)
        return db.session.execute(
            select(s.c.job_title, s.c.band)
            .join(Staff, Staff.id == s.c.staff_id)
            .where(Staff.staff_no == staff_no)
        ).one()

    assert tuple(state(date(2026, 3, 31), "1002")) == ("主事", "staff")
    assert tuple(state(date(2026, 4, 1), "1002")) == ("主任", "supervisor")
    staff = db.session.scalar(select(Staff).where(Staff.staff_no == "1002"))
    assert (staff.job_title, staff.department.name) == ("主任", "市民部市民課")
    # Loading a March correction later still leaves April as the current state.
    march = [row[:] for row in MARCH]
    march[1][1] = "山崎 花子"
    run_import(csv_bytes(march), date(2026, 3, 15))
    db.session.expire_all()
    staff = db.session.scalar(select(Staff).where(Staff.staff_no == "1002"))
    assert staff.job_title == "主任" and staff.name == "山﨑 花子"


def test_deactivate_missing_ends_access(client, login, make_user):
    user = make_user("1003", job_title="主幹")
    login(user)
    assert client.get("/").status_code == 200
    plan, _ = run_import(csv_bytes(MARCH[:2]), today_jst(), deactivate_missing=True)
    assert [d["staff_no"] for d in plan.deactivated] == ["1003"]
    db.session.expire_all()
    assert db.session.scalar(select(Staff).where(Staff.staff_no == "1003")).is_active is False
    assert client.get("/").status_code == 302  # the open session has ended
    client.post("/logout")
    assert login(user).status_code == 401


def test_without_deactivate_missing_absent_people_stay():
    run_import(csv_bytes(MARCH), date(2026, 3, 1))
    plan, _ = run_import(csv_bytes(MARCH[:1]), date(2026, 4, 1))
    assert plan.deactivated == []
    assert db.session.scalar(select(func.count()).select_from(Staff).where(Staff.is_active)) == 3


def test_a_failure_at_the_last_row_writes_nothing(app, monkeypatch):
    data = csv_bytes(MARCH)
    rows, _ = importing.parse_roster(data)
    plan = importing.plan_import(db.session, rows, as_of=date(2026, 3, 1))

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "_create_accounts", broken)
    with pytest.raises(RuntimeError):
        importing.apply_import(db.session, plan, file_name="x.csv", data=data)
    db.session.rollback()
    assert count(Staff) == 0 and count(StaffState) == 0 and count(RosterImport) == 0


def test_long_id_lists_go_in_several_statements(monkeypatch):
    # PostgreSQL takes at most 65,535 parameters a statement: lists of ids are
    # cut into chunks. One id a chunk here, so every loop runs several times.
    monkeypatch.setattr(importing, "CHUNK", 1)
    run_import(csv_bytes(MARCH), date(2026, 3, 1))
    april = [row[:] for row in MARCH]
    april[0][3] = "部長"
    april[1][5] = "退職"
    plan, _ = run_import(csv_bytes(april[:2]), date(2026, 4, 1), deactivate_missing=True)
    assert sorted(c.row.staff_no for c in plan.changed) == ["1001", "1002"]
    assert [d["staff_no"] for d in plan.deactivated] == ["1003"]
    db.session.expire_all()
    staff = {s.staff_no: s for s in db.session.scalars(select(Staff))}
    assert staff["1001"].job_title == "部長" and staff["1001"].is_active
    assert not staff["1002"].is_active and not staff["1003"].is_active
    assert count(StaffState) == 6


MIXED = [
    ["1001", "髙橋 一郎", "総務部総務課", "課長", "正規", "在籍"],
    ["1002", "", "総務部総務課", "主事", "正規", "在籍"],  # row 3: no name
    ["1001", "髙橋 二郎", "市民部市民課", "係長", "正規", "在籍"],  # row 4: 1001 again
    ["", "番号 なし", "市民部市民課", "主事", "正規", "在籍"],  # row 5: no number
    ["1005", "佐藤 五郎", "市民部市民課", "主事", "正規", "たぶん"],  # row 6: unreadable
    ["1006", "鈴木 六郎", "市民部市民課", "主任", "正規", "在籍"],
]


def test_cli_skip_invalid_imports_the_valid_rows_and_lists_the_others(runner, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(csv_bytes(MIXED))
    result = runner.invoke(
        args=[
            "roster",
            "import",
            str(path),
            "--skip-invalid",
            "--passwords-out",
            str(tmp_path / "p"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "rows 2: new 2," in result.output and "skipped 4" in result.output
    assert "skipped    mixed.csv: 3行目 「氏名」列: 値が空です。" in result.output
    assert "4行目 「職員番号」列: 職員番号「1001」が2行目と重複しています。" in result.output
    assert "5行目 「職員番号」列: 職員番号が空です。" in result.output
    assert "6行目 「在籍」列:" in result.output
    # Of two rows with the same 職員番号, the first is imported.
    staff = {s.staff_no: s for s in db.session.scalars(select(Staff))}
    assert sorted(staff) == ["1001", "1006"] and staff["1001"].name == "髙橋 一郎"
    record = db.session.scalar(select(RosterImport))
    assert record.rows == 2
    assert record.counts["skipped"] == 4 and record.counts["new"] == 2


def test_without_skip_invalid_the_same_file_writes_nothing(runner, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(csv_bytes(MIXED))
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 1
    assert "skipped" not in result.output
    assert count(Staff) == 0 and count(RosterImport) == 0


def test_skip_invalid_with_nothing_to_skip_records_zero(runner, tmp_path):
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes(MARCH))
    result = runner.invoke(args=["roster", "import", str(path), "--skip-invalid", "--dry-run"])
    assert result.exit_code == 0 and "skipped 0" in result.output
    plan, _ = run_import(csv_bytes(MARCH), date(2026, 4, 1))
    assert "skipped" not in plan.counts  # only when the user chose to skip


def test_skip_invalid_stops_at_problems_of_the_file_itself(runner, tmp_path):
    path = tmp_path / "no-name-column.csv"
    path.write_bytes(
        csv_bytes([["1001", "総務部総務課", "課長"]], header=["職員番号", "所属", "職名"])
    )
    result = runner.invoke(args=["roster", "import", str(path), "--skip-invalid"])
    assert result.exit_code == 1 and "必須の列がありません。" in result.output
    assert count(Staff) == 0


def test_a_person_on_a_skipped_row_does_not_leave():
    run_import(csv_bytes(MARCH), date(2026, 3, 1))
    april = [row[:] for row in MARCH[:2]] + [["1003", "", "市民部市民課", "主幹", "", ""]]
    data = csv_bytes(april)
    roster_file = importing.read_roster(data, skip_invalid=True, deactivate_missing=True)
    assert roster_file.problems == [] and roster_file.skipped.staff_nos == {"1003"}
    plan = importing.plan_import(
        db.session,
        roster_file.rows,
        as_of=date(2026, 4, 1),
        deactivate_missing=True,
        skipped=roster_file.skipped,
    )
    assert plan.deactivated == [] and plan.counts["skipped"] == 1


def test_leavers_cannot_be_worked_out_when_a_skipped_row_has_no_staff_number(runner, tmp_path):
    run_import(csv_bytes(MARCH), date(2026, 3, 1))
    path = tmp_path / "april.csv"
    path.write_bytes(csv_bytes(MARCH[:2] + [["", "佐藤 次郎", "市民部市民課", "主幹", "", ""]]))
    args = ["roster", "import", str(path), "--skip-invalid", "--as-of", "2026-04-01"]
    result = runner.invoke(args=[*args, "--deactivate-missing"])
    assert result.exit_code == 1
    assert "4行目 「職員番号」列: 職員番号が空です。" in result.output
    assert "退職にできません" in result.output
    assert count(RosterImport) == 1
    # Without deactivating anyone, the same file imports its valid rows.
    assert runner.invoke(args=args).exit_code == 0
    assert count(RosterImport) == 2


def test_each_history_row_ends_where_the_next_begins(runner):
    from skillapp.roster.services import StaffInput, upsert_staff

    def links():
        rows = db.session.execute(
            select(Staff.staff_no, StaffState.effective_from, StaffState.effective_to)
            .join(Staff, Staff.id == StaffState.staff_id)
            .order_by(Staff.staff_no, StaffState.effective_from)
        ).all()
        expected = [
            (no, start, nxt[1] if nxt and nxt[0] == no else None)
            for (no, start, _), nxt in zip(rows, [*rows[1:], None], strict=True)
        ]
        assert [tuple(r) for r in rows] == expected
        return rows

    run_import(csv_bytes(MARCH), date(2026, 4, 1))
    assert all(end is None for _, _, end in links())
    later = [row[:] for row in MARCH]
    later[0][3] = "部長"
    run_import(csv_bytes(later), date(2026, 10, 1))
    run_import(csv_bytes(later), date(2026, 10, 1))  # the same day again: replaced
    earlier = [row[:] for row in MARCH]
    earlier[0][1] = "髙橋 一朗"
    run_import(csv_bytes(earlier), date(2026, 3, 1))  # back-dated, before everything
    upsert_staff(
        db.session,
        StaffInput("1002", "山﨑 花子", "市民部市民課", "主任"),
        effective_from=date(2026, 7, 1),
    )
    db.session.commit()
    rows = links()
    assert [(r[1], r[2]) for r in rows if r[0] == "1001"] == [
        (date(2026, 3, 1), date(2026, 4, 1)),
        (date(2026, 4, 1), date(2026, 10, 1)),
        (date(2026, 10, 1), None),
    ]
    assert len([r for r in rows if r[0] == "1002"]) == 3


@pytest.fixture
def roster_day(monkeypatch):
    """Today in JST, set by the test: the roster import, the daily catch-up and
    the app's once-a-day hook all read it."""
    from skillapp.roster import services as roster_services
    from skillapp.util import dates

    day = [date(2027, 3, 20)]
    for module in (dates, importing, roster_services):
        monkeypatch.setattr(module, "today_jst", lambda: day[0])
    return day


def test_a_roster_dated_later_comes_into_force_on_its_day(client, login, make_user, roster_day):
    from skillapp.auth.models import AuthSession
    from skillapp.roster.services import apply_due_states

    leaver = make_user("1003", job_title="主幹")
    run_import(csv_bytes(MARCH), date(2027, 3, 1))
    login(leaver)
    assert client.get("/").status_code == 200
    # The April roster, loaded on 20 March: 1003 leaves, 1002 is promoted, 1004 joins.
    april = [MARCH[0], ["1002", "山﨑 花子", "市民部市民課", "主任", "正規", "在籍"]]
    april.append(["1004", "新人 太郎", "市民部市民課", "主事", "正規", "在籍"])
    plan, result = run_import(csv_bytes(april), date(2027, 4, 1), deactivate_missing=True)
    assert [d["staff_no"] for d in plan.deactivated] == ["1003"]
    assert [p.staff_no for p in result.passwords] == ["1004"]

    def record(staff_no):
        db.session.expire_all()
        return db.session.scalar(select(Staff).where(Staff.staff_no == staff_no))

    # Until 1 April everyone works as before, and the newcomer cannot log in yet.
    assert record("1003").is_active and record("1002").job_title == "主事"
    assert record("1004").is_active is False
    assert client.get("/").status_code == 200
    assert apply_due_states(db.session, date(2027, 3, 31)) == 0

    # On 1 April the first request of the day puts the roster into force.
    roster_day[0] = date(2027, 4, 1)
    assert client.get("/").status_code == 302  # the leaver's session has ended
    assert record("1003").is_active is False
    assert (record("1002").job_title, record("1002").band) == ("主任", "supervisor")
    assert record("1004").is_active is True
    ended = db.session.scalars(select(AuthSession.end_reason)).all()
    assert ended == ["deactivated"]
    assert apply_due_states(db.session) == 0  # nothing left to do


def test_apply_due_command(runner, roster_day):
    run_import(csv_bytes(MARCH), date(2027, 3, 1))
    run_import(csv_bytes(MARCH[:2]), date(2027, 4, 1), deactivate_missing=True)
    roster_day[0] = date(2027, 4, 2)
    result = runner.invoke(args=["roster", "apply-due"])
    assert result.exit_code == 0 and "1 staff" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Staff).where(Staff.staff_no == "1003")).is_active is False
