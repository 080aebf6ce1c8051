"""In headless Chromium: where the screen reader and the keyboard are taken
(issue 14, items 27 and 29).

- The quiz's one-minute warning speaks words (「残り59秒」), not a bare 「0:59」.
- The quiz page puts focus on its heading, the result page on the score.
- Filtering the drill-down's not-yet list keeps the page at the list.
"""

import re

import pytest
from playwright.sync_api import expect

from skillapp.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.test_learner_path import TIMEOUT_MS, browser, live_server  # noqa: F401

pytestmark = pytest.mark.e2e


def _log_in(browser, base, staff_no):  # noqa: F811
    context = browser.new_context(viewport={"width": 1000, "height": 600})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.locator("#staff_no").fill(staff_no)
    page.locator("#password").fill(PASSWORD)
    page.locator('main form button[type="submit"]').click()
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/(account/password)?$"))
    return context, page


@pytest.mark.parametrize(
    ("locale", "spoken"),
    [("ja", r"^残り(60|59|58|57)秒$"), ("en", r"^(60|59|58|57) seconds left$")],
)
def test_the_quiz_warning_speaks_and_focus_lands_on_heading_then_score(
    browser,  # noqa: F811
    live_server,  # noqa: F811
    make_user,
    make_module,
    locale,
    spoken,
):
    base = live_server
    user = make_user()
    user.locale = locale
    make_module("timed", kind="assessment", time_limit_minutes=1)
    db.session.commit()
    context, page = _log_in(browser, base, user.staff_no)
    page.on("dialog", lambda dialog: dialog.accept())  # "start now?" and "submit anyway?"
    try:
        page.goto(f"{base}/modules/timed")
        page.locator('section[aria-labelledby="quiz-heading"] form button[type="submit"]').click()
        page.wait_for_url(re.compile(rf"^{re.escape(base)}/attempts/\d+$"))
        # One minute or less: the alert says how many seconds are left, in words.
        alert = page.locator("#countdown-alert")
        expect(alert).to_have_text(re.compile(spoken))
        assert alert.get_attribute("role") == "alert"
        # Focus on the page's main heading, announced first.
        expect(page.locator("main h1")).to_be_focused()
        page.locator("fieldset[data-question-id]").first.locator("input").first.check()
        page.locator("#submit-button").click()
        page.wait_for_url(re.compile(rf"^{re.escape(base)}/attempts/\d+/result$"))
        # The result page puts focus on the score.
        score = page.locator("#score")
        expect(score).to_be_focused()
        expect(score).to_contain_text("/ 100")
    finally:
        context.close()


def test_filtering_the_not_yet_list_keeps_the_page_at_the_list(
    browser,  # noqa: F811
    live_server,  # noqa: F811
    make_user,
    make_module,
):
    base = live_server
    make_module("drill", kind="assessment")
    for n in range(3):
        make_user(f"S{n}", department="市民部市民課")
    hr = make_user("HR1", roles=["hr"])
    context, page = _log_in(browser, base, hr.staff_no)
    try:
        page.goto(f"{base}/hr/dashboard/drill")
        form = page.locator("#pending form.search-form")
        form.locator("#band").select_option("staff")
        form.locator('button[type="submit"]').click()
        page.wait_for_url(re.compile(r"[?&]band=staff.*#pending$"))
        expect(page.locator("#band")).to_have_value("staff")
        # The page opened at the list, not at its top.
        assert page.evaluate("window.scrollY") > 0
        expect(page.locator("#pending-heading")).to_be_in_viewport()
    finally:
        context.close()
