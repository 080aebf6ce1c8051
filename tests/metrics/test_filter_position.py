"""A filter low on a page brings the filtered page back to its list, not to
the top (issue 14, item 29): the form's action names the list's fragment.
Chromium checks the scroll position itself: tests/e2e/test_focus_and_position.py."""

import re
from datetime import timedelta

from skillapp.assignments.services import AssignmentInput, create_assignment
from skillapp.extensions import db
from skillapp.util.dates import today_jst


def filter_form_action(page: str) -> str:
    """The action of the GET form that holds the job-grade filter."""
    for form in re.findall(r"<form\b[^>]*>.*?</form>", page, re.S):
        if 'id="band"' in form and 'method="get"' in form:
            match = re.search(r'action="([^"]*)"', form)
            return match.group(1) if match else ""
    raise AssertionError("no filter form")


def test_the_drill_down_filter_comes_back_to_the_not_yet_list(
    client, login, make_user, make_module
):
    make_module("drill", kind="assessment")
    login(make_user("HR1", roles=["hr"]))
    page = client.get("/hr/dashboard/drill?fy=2026").get_data(as_text=True)
    action = filter_form_action(page)
    assert action == "/hr/dashboard/drill#pending"
    assert re.search(r'<section id="pending"[^>]*>\s*<h2', page)


def test_the_assignment_filter_comes_back_to_its_people(client, login, make_user, make_module):
    module = make_module("drill")
    hr = make_user("HR1", roles=["hr"])
    assignment = create_assignment(
        db.session,
        AssignmentInput(module.id, "everyone", today_jst() + timedelta(days=7)),
        by_id=hr.id,
    )
    db.session.commit()
    login(hr)
    page = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert filter_form_action(page) == f"/assignments/{assignment.id}#people"
    assert 'id="people"' in page
