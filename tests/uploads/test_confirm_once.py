"""Every upload → preview → confirm applies once: a token confirmed many times
at once (a double click, several tabs, a replay) imports exactly once, and the
other requests are told so, never a 500. The one-time first-password list
downloads once the same way."""

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from skillapp.audit.models import AuditEvent
from skillapp.extensions import db
from skillapp.imports.models import DataImport
from skillapp.learning.models import ModuleVersion
from skillapp.roster.models import RosterImport, Staff
from skillapp.uploads.models import PendingFile
from tests.authoring.test_import_export import _post_zip, _zip_of
from tests.conftest import write_module
from tests.imports.test_views import RESULTS, TRAINING
from tests.imports.test_views import upload as upload_data
from tests.metrics.test_indicators import ROSTER, SURVEY_2026, roster_import
from tests.parallel import post_in_parallel, session_cookie
from tests.roster.test_import import MARCH, csv_bytes
from tests.roster.test_views import upload as upload_roster
from tests.surveys.test_views import MAP_YAML, hidden_fields
from tests.surveys.test_views import upload as upload_survey

USED = "この取込はすでに確定されたか、期限が切れています"


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def events(action):
    return count(AuditEvent, AuditEvent.action == action)


def token_of(page):
    return re.search(r'name="token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def statuses(answers):
    return dict(Counter(a.status for a in answers))


def told(answers):
    """How many requests were told that the upload was already used."""
    return sum(USED in a.text for a in answers)


@pytest.fixture
def hr(make_user, login):
    user = make_user("HR1", roles=["hr"], name="人事 担当")
    login(user)
    return user


def confirm_roster_ten_times(app, client, data):
    answers = post_in_parallel(
        app, "/hr/roster/confirm", data=data, n=10, cookie=session_cookie(client), follow=True
    )
    return {
        "statuses": statuses(answers),
        "imports": count(RosterImport, RosterImport.imported_by_id.is_not(None)),
        "audit events": events("roster_import"),
        "told it was used": told(answers),
        "files left": count(PendingFile, PendingFile.purpose == "roster_upload"),
    }


def test_a_roster_of_changes_confirmed_ten_times_at_once_applies_once(app, client, hr):
    """The probe's reproduction: a changes-only file applied 6 times of 10."""
    roster_import(csv_bytes(MARCH).decode("utf-8-sig"), "2026-04-01")
    changed = [row.copy() for row in MARCH]
    changed[0][3] = "部長"
    page = upload_roster(client, csv_bytes(changed), as_of="2026-10-01").get_data(as_text=True)
    data = {"token": token_of(page), "as_of": "2026-10-01", "deactivate_missing": ""}
    outcome = confirm_roster_ten_times(app, client, data)
    assert outcome == {
        "statuses": {302: 10},
        "imports": 1,
        "audit events": 2,  # the first roster's and this one's
        "told it was used": 9,
        "files left": 0,
    }
    assert db.session.scalar(select(Staff.job_title).where(Staff.staff_no == "1001")) == "部長"


def test_a_roster_of_new_people_confirmed_ten_times_at_once_applies_once(app, client, hr):
    """The probe's reproduction: a file of new people gave 7 × 500 of 10."""
    page = upload_roster(client, csv_bytes(MARCH)).get_data(as_text=True)
    data = {"token": token_of(page), "as_of": "2026-04-01", "deactivate_missing": ""}
    outcome = confirm_roster_ten_times(app, client, data)
    assert outcome == {
        "statuses": {302: 10},
        "imports": 1,
        "audit events": 1,
        "told it was used": 9,
        "files left": 0,
    }
    assert count(Staff) == 4  # the HR user and the three new people


def test_the_first_password_list_downloads_once_at_once(app, client, hr):
    page = upload_roster(client, csv_bytes(MARCH)).get_data(as_text=True)
    response = client.post(
        "/hr/roster/confirm",
        data={"token": token_of(page), "as_of": "2026-04-01", "deactivate_missing": ""},
    )
    detail = client.get(response.location).get_data(as_text=True)
    download = re.search(r'action="(/hr/roster/passwords/[^"]+)"', detail).group(1)
    answers = post_in_parallel(app, download, n=10, cookie=session_cookie(client), follow=True)
    # One gets the file; the others are sent back to the import, told it was
    # already downloaded (by whom, when).
    assert {"statuses": statuses(answers), "exports": events("export")} == {
        "statuses": {200: 1, 303: 9},
        "exports": 1,
    }


@pytest.mark.parametrize(("kind", "text"), [("results", RESULTS), ("training", TRAINING)])
def test_results_and_training_confirmed_ten_times_at_once_apply_once(
    app, client, make_module, hr, kind, text
):
    make_module("dx-literacy")
    roster_import(ROSTER, "2026-04-01")
    page = upload_data(client, kind, text.encode()).get_data(as_text=True)
    skip = re.search(r'name="skip_invalid" type="hidden" value="([^"]*)"', page).group(1)
    data = {"token": token_of(page), "skip_invalid": skip}
    answers = post_in_parallel(
        app,
        f"/hr/imports/{kind}/confirm",
        data=data,
        n=10,
        cookie=session_cookie(client),
        follow=True,
    )
    outcome = {
        "statuses": statuses(answers),
        "imports": count(DataImport),
        "audit events": events(f"{kind}_import"),
        "told it was used": told(answers),
        "files left": count(PendingFile),
    }
    assert outcome == {
        "statuses": {302: 10},
        "imports": 1,
        "audit events": 1,
        "told it was used": 9,
        "files left": 0,
    }
    assert {a.location for a in answers} == {f"/hr/imports/{kind}"}


def test_a_refused_confirm_says_why(client, make_module, hr):
    make_module("dx-literacy")
    roster_import(ROSTER, "2026-04-01")
    page = upload_data(client, "results", RESULTS.encode()).get_data(as_text=True)
    data = {"token": token_of(page), "skip_invalid": ""}
    assert client.post("/hr/imports/results/confirm", data=data).status_code == 302
    again = client.post("/hr/imports/results/confirm", data=data, follow_redirects=True)
    assert USED in again.get_data(as_text=True)
    assert count(DataImport) == 1


def test_a_survey_confirmed_ten_times_at_once_applies_once(app, client, hr):
    roster_import(ROSTER, "2026-04-01")
    page = upload_survey(client, SURVEY_2026.encode(), mapping=MAP_YAML).get_data(as_text=True)
    answers = post_in_parallel(
        app,
        "/hr/surveys/confirm",
        data=hidden_fields(page),
        n=10,
        cookie=session_cookie(client),
        follow=True,
    )
    outcome = {
        "statuses": statuses(answers),
        "imports": count(DataImport),
        "audit events": events("survey_import"),
        "told it was used": told(answers),
        "files left": count(PendingFile),
    }
    assert outcome == {
        "statuses": {302: 10},
        "imports": 1,
        "audit events": 1,
        "told it was used": 9,
        "files left": 0,
    }
    again = client.post("/hr/surveys/confirm", data=hidden_fields(page), follow_redirects=True)
    assert USED in again.get_data(as_text=True)


def test_a_content_import_confirmed_ten_times_at_once_applies_once(
    app, client, login, make_user, tmp_path
):
    login(make_user("AUTH1", roles=["author"]))
    folder = write_module(tmp_path, "shared-module")
    page = _post_zip(client, _zip_of(folder), "shared-module.zip").get_data(as_text=True)
    answers = post_in_parallel(
        app,
        "/authoring/import/confirm",
        data={"token": token_of(page)},
        n=10,
        cookie=session_cookie(client),
        follow=True,
    )
    outcome = {
        "statuses": statuses(answers),
        "versions": count(ModuleVersion),
        "audit events": events("content_import"),
        "told it was used": told(answers),
        "files left": count(PendingFile),
    }
    assert outcome == {
        "statuses": {302: 10},
        "versions": 1,
        "audit events": 1,
        "told it was used": 9,
        "files left": 0,
    }
