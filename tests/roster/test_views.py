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
    assert client.post(download).status_code == 404  # once only
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
