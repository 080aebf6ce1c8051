"""Accounts for the roster: how first passwords are made (the city's choice),
leavers losing access, and who made each import."""

import re

from sqlalchemy import func, select

from skillapp.auth.models import AuthSession, User
from skillapp.extensions import db
from skillapp.roster.models import Staff
from skillapp.util.dates import today_jst
from tests.roster.test_import import MARCH, csv_bytes
from tests.roster.test_views import upload


def confirm(client, page: str, as_of="2026-04-01"):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    deactivate = re.search(r'name="deactivate_missing" type="hidden" value="([^"]*)"', page)
    return client.post(
        "/hr/roster/confirm",
        data={"token": token, "as_of": as_of, "deactivate_missing": deactivate.group(1)},
    )


def test_no_first_passwords_when_the_city_hands_them_out_otherwise(runner, tmp_path, login):
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes(MARCH))
    result = runner.invoke(
        args=["roster", "import", str(path), "--first-passwords", "none"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "3 new accounts have no password" in result.output
    assert not list(tmp_path.glob("first-passwords-*")) and not list(
        __import__("pathlib").Path().glob("first-passwords-*")
    )
    users = db.session.scalars(select(User)).all()
    assert len(users) == 3 and all(u.password_hash is None for u in users)
    assert all(u.must_change_password for u in users)
    assert login("1001", "anything at all").status_code == 401
    # An administrator sets the person's first password; it must be changed.
    set_pw = runner.invoke(
        args=["users", "set-password", "--staff-no", "1001", "--password-stdin"],
        input="matsuri-hanabi-2026\n",
    )
    assert set_pw.exit_code == 0, set_pw.output
    response = login("1001", "matsuri-hanabi-2026", follow=False)
    assert "/account/password" in response.location


def test_the_setting_applies_in_the_browser(app, client, login, make_user):
    app.config["ROSTER_FIRST_PASSWORDS"] = "none"
    login(make_user("HR1", roles=["hr"], job_title="人事担当"))
    response = confirm(client, upload(client, csv_bytes(MARCH)).get_data(as_text=True))
    detail = client.get(response.location).get_data(as_text=True)
    assert "/hr/roster/passwords/" not in detail
    assert "初回パスワードを発行しません" in detail
    staff_ids = select(Staff.id).where(Staff.staff_no.in_(["1001", "1002", "1003"]))
    hashes = db.session.scalars(select(User.password_hash).where(User.staff_id.in_(staff_ids)))
    assert list(hashes) == [None, None, None]


def test_random_first_passwords_are_the_default_and_each_differs(client, login, make_user):
    login(make_user("HR1", roles=["hr"], job_title="人事担当"))
    response = confirm(client, upload(client, csv_bytes(MARCH)).get_data(as_text=True))
    detail = client.get(response.location).get_data(as_text=True)
    download = re.search(r'action="(/hr/roster/passwords/[^"]+)"', detail).group(1)
    lines = client.post(download).get_data().decode("utf-8-sig").splitlines()[1:]
    passwords = [line.split(",")[3] for line in lines]
    assert len(passwords) == 3 and len(set(passwords)) == 3
    assert all(len(p) == 19 for p in passwords)  # 16 characters in four groups


def test_a_leaver_marked_in_the_file_loses_access_and_their_sessions_end(client, login, make_user):
    leaver = make_user("1003", job_title="主幹", department="市民部市民課")
    other = client.application.test_client()  # the leaver's own browser
    login(leaver, client_=other)
    assert other.get("/").status_code == 200
    login(make_user("HR1", roles=["hr"], job_title="人事担当"))
    rows = [row[:] for row in MARCH]
    rows[2][5] = "退職"
    today = today_jst().isoformat()
    page = upload(client, csv_bytes(rows), as_of=today).get_data(as_text=True)
    assert "在籍: 在籍 → 退職" in page
    confirm(client, page, as_of=today)
    db.session.expire_all()
    assert db.session.scalar(select(Staff.is_active).where(Staff.staff_no == "1003")) is False
    assert other.get("/").status_code == 302  # the open session has ended
    ended = db.session.scalars(
        select(AuthSession.end_reason).where(AuthSession.user_id == leaver.id)
    ).all()
    assert ended == ["deactivated"]
    assert login("1003", client_=other).status_code == 401


def test_the_history_says_who_imported_what(client, login, make_user, runner, tmp_path):
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes(MARCH))
    runner.invoke(args=["roster", "import", str(path), "--passwords-out", str(tmp_path / "p")])
    login(make_user("HR1", roles=["hr"], name="人事 花子", job_title="人事担当"))
    rows = [row[:] for row in MARCH]
    rows[0][1] = "髙橋 一朗"
    confirm(client, upload(client, csv_bytes(rows), name="april.csv").get_data(as_text=True))
    page = client.get("/hr/roster").get_data(as_text=True)
    assert "人事 花子" in page and "(HR1)" in page and "april.csv" in page
    assert "コマンド" in page and "march.csv" in page
    sha = __import__("hashlib").sha256(csv_bytes(rows)).hexdigest()
    assert sha[:12] in page
    record = re.search(r'href="(/hr/roster/imports/\d+)"', page).group(1)
    detail = client.get(record).get_data(as_text=True)
    assert sha in detail and "人事 花子" in detail
    assert db.session.scalar(select(func.count()).select_from(User)) == 4


def test_someone_who_arrives_as_having_left_gets_no_password(runner, tmp_path):
    rows = [row[:] for row in MARCH]
    rows[1][5] = "退職"
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes(rows))
    out = tmp_path / "pw.csv"
    result = runner.invoke(args=["roster", "import", str(path), "--passwords-out", str(out)])
    assert result.exit_code == 0, result.output
    listed = [line.split(",")[0] for line in out.read_bytes().decode("utf-8-sig").splitlines()[1:]]
    assert listed == ["1001", "1003"]
    leaver = db.session.scalar(
        select(User).join(Staff, Staff.id == User.staff_id).where(Staff.staff_no == "1002")
    )
    assert leaver.password_hash is None
