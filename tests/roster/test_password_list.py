"""The one-time list of first passwords: a second click says it was already
downloaded, when and by whom (issue 14, item 28)."""

import re
from datetime import timedelta

from sqlalchemy import update

from skillapp.db import utcnow
from skillapp.extensions import db
from skillapp.uploads.models import PendingFile
from tests.roster.test_import import MARCH, csv_bytes
from tests.roster.test_views import upload


def import_with_passwords(client) -> tuple[str, str]:
    page = upload(client, csv_bytes(MARCH)).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/hr/roster/confirm", data={"token": token, "as_of": "2026-04-01"})
    detail_url = response.location
    detail = client.get(detail_url).get_data(as_text=True)
    download = re.search(r'action="(/hr/roster/passwords/[^"]+)"', detail).group(1)
    return detail_url, download.replace("&amp;", "&")


def test_a_second_click_says_who_downloaded_the_list_and_when(client, login, make_user):
    hr = make_user("HR1", roles=["hr"], name="人事 一郎")
    login(hr)
    detail_url, download = import_with_passwords(client)
    first = client.post(download)
    assert first.status_code == 200 and first.mimetype == "text/csv"
    disposition = first.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition and "first-passwords-" in disposition

    second = client.post(download)
    assert second.status_code == 303 and second.location == detail_url.split("?")[0]
    page = client.get(second.location).get_data(as_text=True)
    assert "すでにダウンロードされています" in page
    assert "人事 一郎" in page and "HR1" in page
    assert re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d", page)
    # The import's page says so too, for whoever opens it later.
    later = client.get(detail_url.split("?")[0]).get_data(as_text=True)
    assert "人事 一郎" in later and "ダウンロード済み" in later


def test_another_hr_person_is_told_too(client, login, make_user):
    login(make_user("HR1", roles=["hr"], name="人事 一郎"))
    _detail, download = import_with_passwords(client)
    client.post(download)
    client.post("/logout")
    login(make_user("HR2", roles=["hr"]))
    page = client.post(download, follow_redirects=True).get_data(as_text=True)
    assert "すでにダウンロードされています" in page and "人事 一郎" in page


def test_a_list_never_downloaded_says_it_has_expired(client, login, make_user):
    login(make_user("HR1", roles=["hr"]))
    _detail, download = import_with_passwords(client)
    db.session.execute(update(PendingFile).values(created_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    response = client.post(download)
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "1時間" in page and "管理者" in page
