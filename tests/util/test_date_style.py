"""One way of writing dates per page, as the city sets it (DATE_STYLE, issue
14 item 26): the history page mixed 令和8年12月5日 and 2026-12-05 01:49."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from skillapp import create_app
from skillapp.assignments.services import AssignmentInput, create_assignment
from skillapp.certificates.services import issue_certificate
from skillapp.extensions import db
from skillapp.util.dates import format_day, format_moment, today_jst
from tests.helpers import take, two_choice_questions

ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
WAREKI = re.compile(r"(令和|平成|昭和)(元|\d+)年\d+月\d+日")


def shown_text(html: str) -> str:
    """What <main> shows (attributes such as a date input's value do not count)."""
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def pages(client, login, make_user, make_module):
    """Pages with days and moments: a learner's results and module, HR's
    assignments and roster import, the audit log."""
    from tests.roster.test_import import MARCH, csv_bytes
    from tests.roster.test_views import upload

    test = make_module("cert", kind="assessment", questions=two_choice_questions())
    learner = make_user("L1")
    take(learner, test, "2026-06-01T10:00:00", right=10)
    issue_certificate(db.session, learner, test)
    hr = make_user("HR1", roles=["hr", "admin"])
    assignment = create_assignment(
        db.session,
        AssignmentInput(test.id, "everyone", today_jst() + timedelta(days=10)),
        by_id=hr.id,
    )
    db.session.commit()
    login(hr)
    page = upload(client, csv_bytes(MARCH)).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    imported = client.post("/hr/roster/confirm", data={"token": token, "as_of": "2026-04-01"})
    client.post("/logout")
    return {
        learner: ["/history", "/modules/cert"],
        hr: [
            "/assignments",
            f"/assignments/{assignment.id}",
            "/hr/roster",
            imported.location.split("?")[0],
            "/admin/audit",
            "/admin/audit?action=roster_import",
        ],
    }


@pytest.mark.parametrize("style", ["iso", "wareki"])
def test_every_page_writes_dates_one_way_as_the_city_sets(app, client, login, pages, style):
    app.config["DATE_STYLE"] = style
    for user, paths in pages.items():
        login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            text = shown_text(response.get_data(as_text=True))
            iso, wareki = ISO.findall(text), WAREKI.findall(text)
            if style == "iso":
                assert iso and not wareki, (path, wareki)
            else:
                assert wareki and not iso, (path, iso)
        client.post("/logout")


def test_english_pages_write_iso_days(app, client, login, pages):
    app.config["DATE_STYLE"] = "wareki"
    learner = next(iter(pages))
    learner.locale = "en"
    db.session.commit()
    login(learner)
    text = shown_text(client.get("/history").get_data(as_text=True))
    assert ISO.findall(text) and not WAREKI.findall(text)


def test_the_styles():
    moment = datetime(2026, 12, 4, 16, 49, 5, tzinfo=UTC)  # 5 December, 01:49 in Japan
    assert format_moment(moment) == "2026-12-05 01:49"
    assert format_moment(moment, "wareki") == "令和8年12月5日 1:49"
    assert format_moment(moment, "wareki", seconds=True) == "令和8年12月5日 1:49:05"
    assert format_moment(moment, "wareki", "en") == "2026-12-05 01:49"
    assert format_day(moment.date(), "wareki") == "令和8年12月4日"
    assert format_day(datetime(2019, 5, 1).date(), "wareki") == "令和元年5月1日"


def test_an_unknown_style_stops_the_app(tmp_path):
    with pytest.raises(RuntimeError, match="DATE_STYLE"):
        create_app({"DATE_STYLE": "us", "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
