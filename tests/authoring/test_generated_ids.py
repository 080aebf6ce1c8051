"""Slugs, lesson keys and question ids are made from the title by default (an
author writes a title and nothing else); those who care set them under 詳細."""

import pytest

from skillapp.authoring.services import slug_from_title
from tests.authoring.editing import module, new_module, publish, save_lesson, save_question


@pytest.fixture
def author(make_user, login):
    user = make_user("AUTH1", roles=["author"])
    login(user)
    return user


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Data Basics", "data-basics"),
        ("  AI governance: the basics (2026)  ", "ai-governance-the-basics-2026"),
        ("ＤＸ　Ｌｉｔｅｒａｃｙ", "dx-literacy"),  # full-width letters, as typed with an IME
        ("データの基本", None),
        ("EBPMの基本", None),  # partly Japanese: no readable slug either
        ("!!!", None),
    ],
)
def test_a_slug_from_a_title(title, slug):
    assert slug_from_title(title) == slug


def test_a_module_needs_only_a_title(client, author, make_module):
    make_module("module-1")  # taken: the next free number is used
    response = new_module(client, "", title="データの基本")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location == "/authoring/modules/module-2"
    response = new_module(client, "", title="Data Basics")
    assert response.location == "/authoring/modules/data-basics"
    response = new_module(client, "", title="Data basics")  # the same words again
    assert response.location == "/authoring/modules/data-basics-2"
    # Those who care still choose it, under 詳細.
    response = new_module(client, "my-own", title="データの応用")
    assert response.location == "/authoring/modules/my-own"
    page = client.get("/authoring/new").get_data(as_text=True)
    details = page[page.index("<details") : page.index("</details>")]
    assert 'name="slug"' in details and "詳細" in details


def test_lesson_keys_and_question_ids_are_made_for_the_author(client, author):
    new_module(client, "", title="データの基本")
    slug = "module-1"
    assert save_lesson(client, slug, "", title="集める").status_code == 302
    assert save_lesson(client, slug, "", title="Check the figures").status_code == 302
    assert save_lesson(client, slug, "", title="確かめる").status_code == 302
    keys = [save_question(client, slug, "").location for _ in range(2)]
    assert keys == [
        f"/authoring/modules/{slug}/questions/q-01",
        f"/authoring/modules/{slug}/questions/q-02",
    ]
    # The key and the id sit under 詳細 on their pages, where they can be changed.
    for url in (f"/authoring/modules/{slug}/new-lesson", f"/authoring/modules/{slug}/new-question"):
        page = client.get(url).get_data(as_text=True)
        details = page[page.index('<details class="field advanced"') :]
        details = details[: details.index("</details>")]
        assert 'name="key"' in details and "詳細" in details
    assert publish(client, slug).status_code == 302
    version = module(slug).current_version
    # Numbered in the order they were added: lessons are shown in key order.
    assert [lesson.key for lesson in version.lessons] == [
        "01-lesson",
        "02-check-the-figures",
        "03-lesson",
    ]
    titles = [lesson.title for lesson in version.lessons]
    assert titles == ["集める", "Check the figures", "確かめる"]


def test_an_own_key_is_still_checked(client, author):
    new_module(client, "", title="データの基本")
    response = save_lesson(client, "module-1", "bad key", title="集める")
    assert response.status_code == 422
    save_lesson(client, "module-1", "", title="集める")
    response = save_lesson(client, "module-1", "01-lesson", title="もう一つ")
    assert response.status_code == 422  # taken
