import io
import re

from sqlalchemy import func, select

from skillapp.audit.models import AuditEvent
from skillapp.extensions import db
from skillapp.roster.models import Staff
from tests.roster.test_import import MARCH, csv_bytes


def upload(client, data, name="roster.csv", **fields):
    return client.post(
        "/hr/roster/preview",
        data={
            "file": (io.BytesIO(data), name),
            "as_of": fields.get("as_of", "2026-04-01"),
            **({"deactivate_missing": "y"} if fields.get("deactivate_missing") else {}),
        },
        content_type="multipart/form-data",
    )


def test_preview_confirm_and_download_first_passwords_once(client, login, make_user):
    hr = make_user(roles=["hr"])
    login(hr)
    response = upload(client, csv_bytes(MARCH, encoding="cp932"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "髙橋 一郎" in page and "主幹" in page
    assert db.session.scalar(select(func.count()).select_from(Staff)) == 1  # only the HR user
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/hr/roster/confirm", data={"token": token, "as_of": "2026-04-01", "deactivate_missing": ""}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Staff)) == 4
    detail = client.get(response.location).get_data(as_text=True)
    download = re.search(r'action="(/hr/roster/passwords/[^"]+)"', detail).group(1)
    first = client.post(download)
    assert first.status_code == 200
    lines = first.get_data().decode("utf-8-sig").splitlines()
    assert lines[0] == "職員番号,氏名,所属,初回パスワード" and len(lines) == 4
    assert client.post(download).status_code == 303  # once only: says by whom (item 28)
    # The same token cannot be confirmed twice.
    again = client.post("/hr/roster/confirm", data={"token": token, "as_of": "2026-04-01"})
    assert again.status_code == 302 and again.location.endswith("/hr/roster")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"roster_import", "export"} <= actions


def test_problems_are_listed_with_row_and_column(client, login, make_user):
    login(make_user(roles=["hr"]))
    bad = csv_bytes([["1001", "", "総務部総務課", "課長", "", ""]])
    response = upload(client, bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<td class="num">2</td><td>氏名</td>' in page
    assert db.session.scalar(select(func.count()).select_from(Staff)) == 1


def test_someone_elses_upload_token_is_refused(app, client, login, make_user):
    login(make_user(roles=["hr"]))
    page = upload(client, csv_bytes(MARCH)).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    other = app.test_client()
    login(make_user(roles=["hr"]), client_=other)
    response = other.post("/hr/roster/confirm", data={"token": token, "as_of": "2026-04-01"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Staff)) == 2


def test_mapping_a_title_rederives_bands(client, login, make_user):
    login(make_user(roles=["hr"]))
    make_user("X1", job_title="主幹")
    page = client.get("/hr/titles").get_data(as_text=True)
    assert "主幹" in page
    response = client.post("/hr/titles", data={"band:主幹": "management"})
    assert response.status_code == 302
    staff = db.session.scalar(select(Staff).where(Staff.staff_no == "X1"))
    assert staff.band == "management"
    client.post("/hr/titles", data={"band:主幹": ""})
    db.session.refresh(staff)
    assert staff.band is None


def test_learners_and_authors_get_403(client, login, make_user):
    login(make_user(roles=["author"]))
    for path in ("/hr/roster", "/hr/titles"):
        assert client.get(path).status_code == 403
    assert client.post("/hr/roster/confirm", data={}).status_code == 403


def test_skip_invalid_rows_in_the_browser(csrf_app, make_user):
    from tests.conftest import PASSWORD, csrf_token_from
    from tests.roster.test_import import MIXED

    hr = make_user(roles=["hr"])
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"staff_no": hr.staff_no, "password": PASSWORD, "csrf_token": token})
    page = client.get("/hr/roster").get_data(as_text=True)
    assert 'name="skip_invalid"' in page
    form = {"file": (io.BytesIO(csv_bytes(MIXED)), "mixed.csv"), "as_of": "2026-04-01"}
    # Without the option: every problem, nothing to confirm.
    refused = client.post(
        "/hr/roster/preview",
        data={**form, "csrf_token": csrf_token_from(page)},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and 'name="token"' not in refused.get_data(as_text=True)
    form["file"] = (io.BytesIO(csv_bytes(MIXED)), "mixed.csv")
    response = client.post(
        "/hr/roster/preview",
        data={**form, "skip_invalid": "y", "csrf_token": csrf_token_from(page)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    preview = response.get_data(as_text=True)
    assert '<td class="num">3</td><td>氏名</td><td>値が空です。</td>' in preview
    assert "職員番号「1001」が2行目と重複しています。" in preview
    assert db.session.scalar(select(func.count()).select_from(Staff)) == 1  # nothing yet
    confirm = {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', preview).group(1)
        for name in ("csrf_token", "token", "as_of", "deactivate_missing", "skip_invalid")
    }
    assert confirm["skip_invalid"] == "1"
    done = client.post("/hr/roster/confirm", data=confirm)
    assert done.status_code == 302
    assert sorted(db.session.scalars(select(Staff.staff_no))) == ["1001", "1006", hr.staff_no]
    detail = client.get(done.location).get_data(as_text=True)
    assert re.search(r"<dt>[^<]+</dt><dd>4</dd>", detail)  # skipped
    history = client.get("/hr/roster").get_data(as_text=True)
    assert '<td class="num">4</td>' in history


def test_leavers_chosen_in_the_browser_do_leave(client, login, make_user):
    from datetime import date

    from tests.roster.test_import import run_import

    run_import(csv_bytes(MARCH), date(2026, 3, 1))
    login(make_user(roles=["hr"]))
    page = upload(client, csv_bytes(MARCH[:2]), deactivate_missing=True).get_data(as_text=True)
    assert "佐藤 次郎" in page  # listed as leaving
    confirm = {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)
        for name in ("token", "as_of", "deactivate_missing")
    }
    assert client.post("/hr/roster/confirm", data=confirm).status_code == 302
    leaver = db.session.scalar(select(Staff).where(Staff.staff_no == "1003"))
    assert leaver.is_active is False


def test_leaving_people_chosen_in_the_preview_leave_on_confirm(client, login, make_user):
    login(make_user(roles=["hr"]))
    page = upload(client, csv_bytes(MARCH)).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/hr/roster/confirm", data={"token": token, "as_of": "2026-04-01"})
    page = upload(client, csv_bytes(MARCH[:2]), as_of="2026-05-01", deactivate_missing=True)
    page = page.get_data(as_text=True)
    assert "佐藤 次郎" in page  # listed as leaving
    hidden = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', page))
    response = client.post("/hr/roster/confirm", data=hidden)
    assert response.status_code == 302
    staff = db.session.scalar(select(Staff).where(Staff.staff_no == "1003"))
    assert staff.is_active is False
