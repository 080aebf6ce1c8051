"""The administrator's audit log: in words, filtered, exported, with addresses."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from skillapp.audit.models import AuditEvent
from skillapp.audit.services import record_event
from skillapp.extensions import db
from skillapp.metrics.models import Indicator
from skillapp.roster.models import Department
from skillapp.util.dates import today_jst
from tests.conftest import PASSWORD
from tests.imports.test_views import TRAINING, upload
from tests.imports.test_views import confirm_from as confirm_import
from tests.metrics.test_indicators import ROSTER, roster_import


def text_of(html: str) -> str:
    """The page as read, without tags (codes inside attributes do not count)."""
    body = html[html.index("<table") : html.index("</table>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def world(make_user, make_module, login, client):
    make_module("dx-literacy", kind="assessment", title="DXリテラシー確認テスト")
    roster_import(ROSTER, "2026-04-01")
    hr = make_user("HR1", roles=["hr"], name="人事 担当")
    admin = make_user("AD1", roles=["admin"], name="管理 者")
    return {"hr": hr, "admin": admin}


def hr_does_a_day_of_work(client, login, world):
    """What the walk saw as codes: a target, an assignment's due date, a
    training import, the not-yet list of a grade and department, the table by
    department."""
    login(world["hr"])
    improvement = db.session.scalar(
        select(Indicator).where(Indicator.code == "improvement_experience")
    )
    client.post("/hr/indicators/targets?fy=2026", data={f"target-{improvement.id}-staff": "33"})
    from skillapp.learning.models import Module

    module = db.session.scalar(select(Module).where(Module.slug == "dx-literacy"))
    due = today_jst() + timedelta(days=14)
    created = client.post(
        "/assignments/new",
        data={"module_id": module.id, "target": "bands", "bands": ["staff"], "due_on": str(due)},
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    assignment_id = int(created.location.rstrip("/").rsplit("/", 1)[-1])
    changed = client.post(
        f"/assignments/{assignment_id}/edit",
        data={
            "module_id": module.id,
            "target": "bands",
            "bands": ["staff"],
            "due_on": str(due + timedelta(days=7)),
        },
    )
    assert changed.status_code == 302
    page = upload(client, "training", TRAINING.encode()).get_data(as_text=True)
    assert confirm_import(client, "training", page).status_code == 302
    department = db.session.scalar(select(Department).where(Department.name == "総務部総務課"))
    assert (
        client.get(
            f"/hr/dashboard/dx-literacy/pending.csv?fy=2026&band=staff&department={department.id}"
        ).status_code
        == 200
    )
    assert client.get("/hr/dashboard/dx-literacy/departments.csv?fy=2026").status_code == 200
    client.post("/logout")


def test_the_audit_log_shows_words_not_codes(client, login, world):
    hr_does_a_day_of_work(client, login, world)
    login(world["admin"])
    page = client.get("/admin/audit").get_data(as_text=True)
    text = text_of(page)
    for code in (
        "target_changed",
        "due_on",
        "sessions_new",
        "department_id",
        "improvement_experience",
        "completion_by_department",
        "pending_list",
        "bands",
    ):
        assert code not in text, code
    assert not re.search(r"\bstaff\b", text), "職層 staff"
    for words in (
        "目標値の変更",
        "期限",
        "新しい研修",
        "総務部総務課",
        "主査・主事",
        "所属別の修了状況",
        "未修了者一覧",
        "DXリテラシー確認テスト",
        "No.1 RPA",
    ):
        assert words in text, words


def test_every_event_the_app_records_reads_in_words(client, login, world):
    """The same check the test suite makes of every event (conftest.py)."""
    from skillapp.audit.labels import unlabelled

    hr_does_a_day_of_work(client, login, world)
    events = db.session.scalars(select(AuditEvent)).all()
    assert len({e.action for e in events}) >= 6
    assert [(e.action, unlabelled(e)) for e in events if unlabelled(e)] == []


def test_login_rows_show_the_staff_number(client, login, make_user):
    admin = make_user("AD1", roles=["admin"])
    someone = make_user("S0042", name="職員 四十二")
    login(someone)
    client.post("/logout")
    login(admin)
    page = client.get("/admin/audit?action=login").get_data(as_text=True)
    row = next(r for r in page.split("<tr>") if "S0042" in r)
    assert "アカウント S0042 職員 四十二" in text_of("<table>" + row + "</table>")
    assert f"アカウント {someone.id}<" not in row


def _event(action, at, actor=None, **fields):
    event = record_event(db.session, action, actor_id=actor, ip="192.0.2.9", **fields)
    event.at = at
    return event


def test_the_log_filters_by_days_person_and_object(client, login, make_user):
    admin = make_user("AD1", roles=["admin"])
    person = make_user("P0001", name="対象 者")
    other = make_user("P0002")
    jst_midnight = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # 2 June 00:00 in Japan
    _event(
        "login",
        jst_midnight - timedelta(seconds=1),
        person.id,
        object_type="user",
        object_id=person.id,
    )  # 1 June 23:59:59 JST
    _event("login", jst_midnight, other.id, object_type="user", object_id=other.id)
    _event(
        "password_set",
        jst_midnight + timedelta(hours=1),
        admin.id,
        object_type="user",
        object_id=person.id,
        must_change=True,
    )
    _event(
        "login_failed",
        jst_midnight + timedelta(days=1),
        None,
        object_type="staff_no",
        object_id="P0001",
        failures=1,
        reason="bad_credentials",
    )
    _event(
        "export",
        jst_midnight + timedelta(days=2),
        person.id,
        object_type="completion",
        object_id=2026,
        format="csv",
        rows=3,
        fiscal_year=2026,
    )
    db.session.commit()
    login(admin)

    def shown(query):
        page = client.get("/admin/audit?" + query).get_data(as_text=True)
        rows = text_of(page).count("192.0.2.9")
        return rows, page

    assert shown("from=2026-06-01&to=2026-06-01")[0] == 1
    assert shown("from=2026-06-02&to=2026-06-02")[0] == 2
    assert shown("from=2026-06-02")[0] == 4
    # What the person did, and what was done to their account or staff number.
    assert shown("person=P0001")[0] == 4
    assert shown("person=%EF%BC%B0%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%91")[0] == 4  # ＰＯＯＯ１
    assert shown("person=P0002")[0] == 1
    assert shown("object=completion")[0] == 1
    assert shown("object=user&object_id=" + str(person.id))[0] == 2
    rows, page = shown("from=2026-13-01")
    assert "2026-04-01" in page and 'role="alert"' in page and rows == 5
    # The pager and the download keep the filter.
    assert (
        'href="/admin/audit.csv?from=2026-06-02&amp;person=P0001"'
        in shown("from=2026-06-02&person=P0001")[1]
    )


def test_the_filtered_log_downloads_as_csv_and_the_download_is_logged(client, login, make_user):
    admin = make_user("AD1", roles=["admin"], name="管理 者")
    person = make_user("P0001", name='=HYPERLINK("http://x")')
    _event(
        "login",
        datetime(2026, 6, 1, 1, 0, tzinfo=UTC),
        person.id,
        object_type="user",
        object_id=person.id,
    )
    _event(
        "login",
        datetime(2026, 7, 1, 1, 0, tzinfo=UTC),
        admin.id,
        object_type="user",
        object_id=admin.id,
    )
    db.session.commit()
    login(admin)
    response = client.get("/admin/audit.csv?from=2026-06-01&to=2026-06-30")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "no-store" in response.headers["Cache-Control"]
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''%E7%9B%A3%E6%9F%BB%E3%83%AD%E3%82%B0_" in disposition  # 監査ログ_
    assert 'filename="audit-log-' in disposition
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["日時", "操作", "操作者（職員番号）"]
    assert len(rows) == 2  # June only
    assert rows[1][0] == "2026-06-01 10:00:00" and rows[1][1] == "ログイン"
    assert rows[1][2] == "P0001" and rows[1][3].startswith("'=HYPERLINK")  # guarded
    assert rows[1][6] == "192.0.2.9"
    logged = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "audit_log")
    ).one()
    assert logged.action == "export" and logged.actor_user_id == admin.id
    assert logged.ip == "127.0.0.1"
    assert logged.detail == {
        "format": "csv",
        "rows": 1,
        "date_from": "2026-06-01",
        "date_to": "2026-06-30",
    }
    page = client.get("/admin/audit?object=audit_log").get_data(as_text=True)
    assert "監査ログ" in text_of(page) and "2026-06-30" in text_of(page)


def test_only_administrators_read_or_download_the_log(client, login, make_user):
    login(make_user("HR1", roles=["hr"]))
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_the_browser_records_the_client_address_of_every_action(client, login, make_user):
    """The roster import in the browser and the password download had none."""
    from tests.roster.test_import import MARCH, csv_bytes
    from tests.roster.test_views import upload as roster_upload

    hr = make_user("HR1", roles=["hr"])
    admin = make_user("AD1", roles=["admin"])
    target = make_user("T0009")
    login(hr)
    page = roster_upload(client, csv_bytes(MARCH)).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/hr/roster/confirm", data={"token": token, "as_of": "2026-04-01"})
    detail = client.get(response.location).get_data(as_text=True)
    download = re.search(r'action="(/hr/roster/passwords/[^"]+)"', detail).group(1)
    assert client.post(download.replace("&amp;", "&")).status_code == 200
    client.post("/hr/titles", data={"band:主幹": "supervisor"})
    client.post("/logout")
    login(admin)
    client.post(f"/admin/users/{target.id}/roles", data={"roles": ["hr"]})
    client.post(f"/admin/users/{target.id}/password", data={"password": "a new long phrase 1"})
    client.post(f"/admin/users/{target.id}/unlock")
    client.post(f"/admin/users/{target.id}/disable", data={"disable": "1"})
    client.post(
        "/admin/users/new",
        data={"staff_no": "N1", "name": "新 人", "job_title": "主事", "password": PASSWORD + "x"},
    )
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = {e.action for e in events}
    assert {
        "roster_import",
        "export",
        "title_band_changed",
        "roles_changed",
        "password_set",
        "login_unlocked",
        "account_disabled",
        "account_created",
    } <= actions
    assert [(e.action, e.object_type) for e in events if e.ip != "127.0.0.1"] == []
