"""End to end, in headless Chromium: an author writes a module in the browser (the
lesson preview follows the typing, an uploaded image is inserted at the cursor, the
question form follows its type), publishes it, and a learner reads it.

Assertions use ids, names and URLs, not wording, so the test holds in every language.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from skillapp.extensions import db
from skillapp.learning.models import Module
from tests.authoring.images import png
from tests.conftest import PASSWORD
from tests.e2e.test_learner_path import TIMEOUT_MS, browser, live_server  # noqa: F401

pytestmark = pytest.mark.e2e
SLUG = "browser-made"


def _log_in(page, base, staff_no):
    page.goto(f"{base}/login")
    page.locator("#staff_no").fill(staff_no)
    page.locator("#password").fill(PASSWORD)
    page.locator('main form button[type="submit"]').click()
    page.wait_for_url(f"{base}/")


def test_author_writes_previews_and_publishes(browser, live_server, make_user, tmp_path):  # noqa: F811
    base = live_server
    author = make_user(roles=["author"]).staff_no
    learner = make_user().staff_no
    picture = tmp_path / "chart.png"
    picture.write_bytes(png(4, 4))

    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        _log_in(page, base, author)
        page.locator('a[href="/authoring/"]').first.click()
        page.locator('a[href="/authoring/new"]').click()
        page.locator("#title").fill("ブラウザで作った教材")
        # The slug is made from the title unless one is chosen under 詳細.
        expect(page.locator("#slug")).to_be_hidden()
        page.locator("details.advanced summary").click()
        page.locator("#slug").fill(SLUG)
        page.locator("#summary").fill("概要です。")
        page.locator('main form button[type="submit"]').click()
        page.wait_for_url(f"{base}/authoring/modules/{SLUG}")
        expect(page.locator("#publish-button")).to_be_disabled()

        # A lesson: the preview follows the text; an uploaded image lands at the cursor.
        page.locator(f'a[href="/authoring/modules/{SLUG}/new-lesson"]').first.click()
        page.wait_for_url(f"{base}/authoring/modules/{SLUG}/new-lesson", wait_until="load")
        page.locator("#title").fill("最初のレッスン")
        expect(page.locator("#live-preview-title")).to_have_text("最初のレッスン")
        page.locator("#body").fill("本文は **太字** です。\n\n<script>alert(1)</script>\n")
        expect(page.locator("#live-preview-body strong")).to_have_text("太字")
        expect(page.locator("#live-preview-body script")).to_have_count(0)
        page.locator("#image-upload").set_input_files(str(picture))
        page.locator('#image-upload-form button[type="submit"]').click()
        expect(page.locator("#body")).to_have_value(
            re.compile(r"!\[[^\]]+\]\(\.\./images/chart\.png\)")
        )
        expect(page.locator("#live-preview-body img")).to_have_attribute(
            "src", re.compile("^/images/[0-9a-f]{64}$")
        )
        page.locator('#lesson-form button[type="submit"]:not([name])').click()
        page.wait_for_url(re.compile(rf"/authoring/modules/{SLUG}/lessons/\w"))
        expect(page.locator("#live-preview-body img")).to_have_count(
            1
        )  # rendered on the server too

        # A question: the correct-answer inputs follow the type.
        page.goto(f"{base}/authoring/modules/{SLUG}/new-question?type=single")
        expect(page.locator("#correct-1")).to_have_attribute("type", "radio")
        page.locator("#type").select_option("multiple")
        expect(page.locator("#correct-1")).to_have_attribute("type", "checkbox")
        page.locator("#type").select_option("true_false")
        expect(page.locator("#options-group")).to_be_hidden()
        expect(page.locator("#answer-group")).to_be_visible()
        page.locator("#type").select_option("single")
        page.locator("#text").fill("正しいものは？")
        page.locator("#option-text-1").fill("これ")
        page.locator("#option-text-2").fill("あれ")
        page.locator("#correct-1").check()
        page.locator("#explanation").fill("これが正しいからです。")
        page.locator("#question-form button.button--primary").click()
        page.wait_for_url(re.compile(rf"/authoring/modules/{SLUG}/questions/q-01$"))

        page.goto(f"{base}/authoring/modules/{SLUG}")
        expect(page.locator("#publish-button")).to_be_enabled()
        page.locator("#publish-button").click()
        page.wait_for_url(f"{base}/authoring/modules/{SLUG}")
        db.session.expire_all()
        version = db.session.scalar(select(Module).where(Module.slug == SLUG)).current_version
        assert version is not None and version.number == 1
        db.session.commit()
        page.locator("header form[action='/logout'] button").click()

        # The learner reads it, picture included.
        _log_in(page, base, learner)
        page.goto(f"{base}/modules/{SLUG}")
        page.locator(".lesson-list a").first.click()
        image = page.locator("article.lesson img")
        expect(image).to_have_count(1)
        assert image.evaluate("i => i.complete && i.naturalWidth") == 4
        assert page.locator("article.lesson script").count() == 0
        assert errors == []
    finally:
        context.close()
