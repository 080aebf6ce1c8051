from sqlalchemy import select

from skillapp.audit.models import AuditEvent
from skillapp.auth.models import User
from skillapp.extensions import db
from skillapp.roster.models import Staff


def test_admin_creates_an_account_that_must_change_its_password(client, login, make_user, app):
    admin = make_user(roles=["admin"])
    login(admin)
    response = client.post(
        "/admin/users/new",
        data={
            "staff_no": "N100",
            "name": "新規 次郎",
            "department": "総務部総務課",
            "job_title": "主事",
            "roles": ["author"],
            "password": "first temporary phrase",
        },
    )
    assert response.status_code == 302
    new = db.session.scalar(select(User).join(User.staff).where(Staff.staff_no == "N100"))
    assert new.roles == {"learner", "author"} and new.must_change_password
    client.post("/logout")
    response = login("N100", "first temporary phrase", follow=False)
    assert "/account/password" in response.location


def test_admin_grants_roles_and_it_is_audited(client, login, make_user):
    admin = make_user(roles=["admin"])
    target = make_user()
    login(admin)
    client.post(f"/admin/users/{target.id}/roles", data={"roles": ["hr"]})
    db.session.refresh(target)
    assert target.roles == {"learner", "hr"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roles_changed"))
    assert event.actor_user_id == admin.id and event.detail["after"] == ["hr", "learner"]


def test_admin_cannot_remove_own_admin_role(client, login, make_user):
    admin = make_user(roles=["admin"])
    login(admin)
    client.post(f"/admin/users/{admin.id}/roles", data={"roles": []})
    db.session.refresh(admin)
    assert "admin" in admin.roles


def test_admin_password_reset_ends_sessions(app, client, login, make_user):
    admin = make_user(roles=["admin"])
    target = make_user()
    theirs = app.test_client()
    login(target, client_=theirs)
    login(admin)
    client.post(
        f"/admin/users/{target.id}/password",
        data={"password": "reset by the admin", "must_change": "y"},
    )
    assert theirs.get("/").status_code == 302
    db.session.refresh(target)
    assert target.must_change_password


def test_unknown_user_is_404(client, login, make_user):
    login(make_user(roles=["admin"]))
    assert client.get("/admin/users/99999").status_code == 404


def test_someone_not_on_the_roster_needs_a_name_and_title(client, login, make_user):
    login(make_user(roles=["admin"]))
    response = client.post(
        "/admin/users/new", data={"staff_no": "W1", "password": "a good passphrase"}
    )
    assert response.status_code == 200
    assert db.session.scalar(select(User).join(User.staff).where(Staff.staff_no == "W1")) is None


def test_admin_unlocks_and_disables(app, client, login, make_user):
    admin = make_user(roles=["admin"])
    target = make_user()
    app.config.update(LOGIN_LOCK_AFTER=2, LOGIN_SLOWDOWN_AFTER=100)
    theirs = app.test_client()
    for _ in range(2):
        login(target, "wrong password", client_=theirs)
    response = login(target, client_=theirs)
    assert response.status_code == 429 and response.headers["Retry-After"]
    login(admin)
    assert "/unlock" in client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    client.post(f"/admin/users/{target.id}/unlock")
    assert login(target, client_=theirs, follow=False).status_code == 302
    client.post(f"/admin/users/{target.id}/disable", data={"disable": "1"})
    assert theirs.get("/").status_code == 302  # their session has ended
    assert login(target, client_=theirs).status_code == 401
    client.post(f"/admin/users/{target.id}/disable", data={"disable": "0"})
    assert login(target, client_=theirs, follow=False).status_code == 302
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"login_unlocked", "account_disabled", "account_enabled"} <= actions


def test_the_audit_log_reads_in_words(client, login, make_user):
    """Objects, detail keys and their values are shown as words, not as codes."""
    from datetime import date

    from tests.roster.test_import import MARCH, csv_bytes, run_import

    admin = make_user(roles=["admin"])
    run_import(csv_bytes(MARCH), date(2026, 4, 1))
    login(admin)
    page = client.get("/admin/audit?action=roster_import").get_data(as_text=True)
    assert "名簿の取込" in page or "職員名簿の取込" in page
    for words in ("ファイル名", "基準日", "新規", "未分類"):
        assert words in page, words
    for code in ("file_name", "as_of", "roster_import 1", "unclassified"):
        assert code not in page, code
    target = make_user()
    client.post(f"/admin/users/{target.id}/roles", data={"roles": ["hr"]})
    page = client.get("/admin/audit?action=roles_changed").get_data(as_text=True)
    assert "変更後" in page and "アカウント" in page and '<span class="muted">after' not in page
