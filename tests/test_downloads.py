"""Every file the app hands out (certificates, exports of people, first
passwords, module zips, mappings) is sent with ``Cache-Control: no-store``:
neither the browser nor a proxy keeps a copy. ``send_file`` sets ``no-cache``
(store, but revalidate), which is not enough for a list of first passwords."""

import pytest
from sqlalchemy import select

from skillapp.assignments.services import AssignmentInput, create_assignment
from skillapp.certificates.models import Certificate
from skillapp.extensions import db
from skillapp.surveys.models import SurveyMapping
from skillapp.uploads.services import hold_file
from skillapp.util.dates import fiscal_year_of, today_jst
from tests.certificates.conftest import read_all
from tests.helpers import take

FORMATS = ("csv", "xlsx", "pdf")
# Every download the app has today: the walk must meet each of them.
DOWNLOADS = {
    "certificates.for_module",
    "certificates.download",
    "assignments.export_people",
    "authoring.export_zip",
    "metrics.export_pending",
    "metrics.export_completion",
    "metrics.export_departments",
    "metrics.export_indicators",
    "metrics.annual_report",
    "surveys.saved_mapping_yaml",
}


@pytest.fixture
def world(app, make_user, make_module):
    module = make_module("dx-mindset")
    user = make_user("OWNER", roles=["author", "hr", "admin"])
    read_all(user, module)
    take(user, module, "2026-06-01T10:00:00", right=3)
    assignment = create_assignment(
        db.session, AssignmentInput(module.id, "everyone", today_jst()), by_id=user.id
    )
    year = fiscal_year_of(today_jst())
    db.session.add(SurveyMapping(fiscal_year=year, mapping={"fiscal_year": year}))
    db.session.commit()
    return {"user": user, "module": module, "assignment": assignment, "year": year}


def _is_download(response) -> bool:
    return response.headers.get("Content-Disposition", "").startswith("attachment")


def _urls(app, client, world):
    """(endpoint, URL) for every GET rule, each export in each format."""
    certificate_number = None
    values = {
        "slug": world["module"].slug,
        "key": world["module"].current_version.lessons[0].key,
        "assignment_id": world["assignment"].id,
        "fiscal_year": world["year"],
        "user_id": world["user"].id,
        "filename": "css/app.css",
    }
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("auth.logout", "static", "font"):
            continue
        if rule.endpoint == "certificates.download":
            certificate_number = certificate_number or db.session.scalar(select(Certificate.number))
            values["number"] = certificate_number
        if not set(rule.arguments) <= {*values, "fmt"}:
            continue  # an object the walk has no value for (a lesson image, an attempt …)
        for fmt in FORMATS if "fmt" in rule.arguments else (None,):
            url = rule.build({**values, "fmt": fmt}, append_unknown=False)[1]
            yield rule.endpoint, url


def test_every_download_is_sent_no_store(app, client, login, world):
    login(world["user"])
    # The module page's certificate link issues the certificate first.
    assert _is_download(client.get(f"/modules/{world['module'].slug}/certificate.pdf"))
    seen, wrong = set(), []
    for endpoint, url in _urls(app, client, world):
        response = client.get(url, query_string={"fy": world["year"]})
        response.close()
        if not _is_download(response):
            continue
        seen.add(endpoint)
        if response.headers.get("Cache-Control") != "no-store":
            wrong.append((url, response.headers.get("Cache-Control")))
    assert seen >= DOWNLOADS, DOWNLOADS - seen
    assert not wrong, "\n".join(map(str, wrong))


def test_first_passwords_are_sent_no_store(client, login, world):
    login(world["user"])
    token = hold_file(
        db.session,
        user_id=world["user"].id,
        purpose="first_passwords",
        file_name="first-passwords.csv",
        data="職員番号,氏名,初期パスワード\r\nA1,新人 一郎,secret-secret\r\n".encode(),
    )
    db.session.commit()
    response = client.post(f"/hr/roster/passwords/{token}")
    assert _is_download(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "secret-secret" in response.get_data(as_text=True)


def test_a_download_is_no_store_whoever_asks(app):
    """The rule is the response's, not the view's: a new download needs nothing."""
    from io import BytesIO

    from flask import send_file

    @app.route("/test-download")
    def test_download():
        return send_file(BytesIO(b"x"), mimetype="text/csv", as_attachment=True, download_name="x")

    response = app.test_client().get("/test-download")  # anonymous
    assert response.headers["Cache-Control"] == "no-store"
