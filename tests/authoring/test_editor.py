"""The browser editor: drafts, validation, publishing, history, images, roles."""

import io
import re

import pytest
from sqlalchemy import func, select

from skillapp.assessment import services as attempts
from skillapp.assessment.models import Attempt, Question
from skillapp.audit.models import AuditEvent
from skillapp.authoring.models import ContentImage, ModuleChange, ModuleDraft
from skillapp.extensions import db
from skillapp.learning.models import ModuleVersion
from tests.authoring.editing import (
    build_module,
    module,
    new_module,
    publish,
    save_lesson,
    save_question,
    start_draft,
)
from tests.authoring.images import OTHER_PNG, PNG, SVG, png
from tests.conftest import csrf_token_from


@pytest.fixture
def author(make_user, login):
    user = make_user("AUTH1", roles=["author"], name="作成 花子")
    login(user)
    return user


def _html(response) -> str:
    return response.get_data(as_text=True)


def _changes(slug) -> list[tuple[str, dict]]:
    rows = db.session.scalars(
        select(ModuleChange)
        .where(ModuleChange.module_id == module(slug).id)
        .order_by(ModuleChange.id)
    )
    return [(c.action, c.detail) for c in rows]


# --- roles ------------------------------------------------------------------------


def _editor_urls(app, slug, lesson, question, image):
    values = {"slug": slug, "key": question, "name": image}
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("authoring."):
            continue
        args = {name: values[name] for name in rule.arguments}
        if "lessons/" in rule.rule:
            args["key"] = lesson
        path = rule.rule
        for name, value in args.items():
            path = path.replace(f"<{name}>", value)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


@pytest.mark.parametrize("role", ["learner", "hr"])
def test_learners_and_hr_get_403_on_every_editor_route(app, client, login, make_user, role):
    owner = make_user("AUTHX", roles=["author"])
    login(owner)
    build_module(client)
    client.post("/logout")
    urls = _editor_urls(app, "data-basics", "01-collect", "q-01", "x.png")
    assert len(urls) >= 25
    user = make_user(roles=[] if role == "learner" else [role])
    login(user)
    for method, path in urls:
        response = client.open(path, method=method, data={})
        assert response.status_code == 403, (method, path, response.status_code)
    # Nothing changed for them either.
    assert module("data-basics").current_version is None


@pytest.mark.parametrize("role", ["author", "admin"])
def test_authors_and_admins_reach_the_editor(client, login, make_user, role):
    login(make_user(roles=[role]))
    page = client.get("/authoring/")
    assert page.status_code == 200
    assert 'href="/authoring/"' in _html(client.get("/"))  # the menu link


def test_a_learner_sees_no_editor_link(client, login, make_user):
    login(make_user())
    assert "/authoring/" not in _html(client.get("/"))


# --- writing a module ---------------------------------------------------------------


def test_a_new_module_is_a_draft_learners_cannot_see(client, author, login, make_user):
    response = new_module(client)
    assert response.status_code == 302 and response.location == "/authoring/modules/data-basics"
    page = _html(client.get("/authoring/modules/data-basics"))
    assert 'id="publish-button" disabled' in page
    # A new draft's problems are the loader's, translated and placed.
    assert "モジュールにはレッスンが1つ以上必要です" in page
    assert "問題が1問もありません" in page
    assert client.get("/modules/data-basics").status_code == 404
    assert _changes("data-basics") == [("module_created", {})]


@pytest.mark.parametrize(
    ("slug", "message"),
    [("Data Basics", "半角の小文字英字"), ("intro", "ほかのモジュールで使われています")],
)
def test_a_module_needs_a_free_well_formed_slug(client, author, make_module, slug, message):
    make_module("intro")
    response = new_module(client, slug)
    assert response.status_code == 422
    assert message in _html(response)


def test_write_preview_and_publish(client, author, login, make_user):
    build_module(client)
    page = _html(client.get("/authoring/modules/data-basics"))
    assert "下書きに問題はなく、公開できます。" in page
    assert 'id="publish-button" disabled' not in page

    preview = _html(client.get("/authoring/modules/data-basics/preview/quiz"))
    assert "量を比べるグラフは？" in preview and "棒グラフ" in preview
    assert "正解" not in preview.split('<ol class="questions">')[1]  # no answers shown
    assert "件数を数えます。" in _html(
        client.get("/authoring/modules/data-basics/preview/lessons/01-collect")
    )

    response = publish(client, "data-basics")
    assert response.status_code == 302
    version = module("data-basics").current_version
    assert version.number == 1 and version.created_by_id == author.id
    assert [lesson.key for lesson in version.lessons] == ["01-collect", "02-check"]
    assert [(q.key, q.type, q.correct_keys) for q in version.questions] == [
        ("q-01", "single", ["a"]),
        ("q-02", "multiple", ["a", "b"]),
        ("q-03", "true_false", ["false"]),
    ]
    assert db.session.scalar(select(func.count()).select_from(ModuleDraft)) == 0
    assert _changes("data-basics")[-1] == ("published", {"version": 1})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "module_published"))
    assert (event.actor_user_id, event.object_id, event.detail["version"]) == (
        author.id,
        "data-basics",
        1,
    )

    client.post("/logout")
    login(make_user())
    assert "データの基本" in _html(client.get("/"))
    assert "件数を数えます。" in _html(client.get("/modules/data-basics/lessons/01-collect"))


def test_a_draft_with_problems_cannot_be_published(client, author):
    build_module(client)
    save_question(
        client,
        "data-basics",
        "q-01",
        old="q-01",
        options=(("棒グラフ", True), ("円グラフ", True)),
        option_keys=("a", "b"),
    )
    page = _html(client.get("/authoring/modules/data-basics/questions/q-01"))
    assert "単一選択の問題には正解をちょうど1つ付けてください（いま2個です）" in page
    response = publish(client, "data-basics")
    assert response.status_code == 302
    assert module("data-basics").current_version is None
    flashed = _html(client.get(response.location))
    assert "直してから公開してください" in flashed


def test_too_few_options_are_named_in_japanese(client, author):
    build_module(client)
    save_question(client, "data-basics", "q-01", old="q-01", options=(("棒グラフ", True),))
    page = _html(client.get("/authoring/modules/data-basics/questions/q-01"))
    assert "単一選択の問題には選択肢が2つ以上必要です" in page
    assert "single の問題" not in page
    # No option at all: the same message, not one about YAML lists.
    save_question(client, "data-basics", "q-09", type="multiple", options=())
    page = _html(client.get("/authoring/modules/data-basics/questions/q-09"))
    assert "複数選択の問題には選択肢が2つ以上必要です" in page
    assert "リストにしてください" not in page
    editor = _html(client.get("/authoring/modules/data-basics"))
    assert '<h2 id="questions-heading">問題</h2>' in editor


def test_saving_keeps_option_ids_and_names_new_ones(client, author):
    build_module(client)
    save_question(
        client,
        "data-basics",
        "q-01",
        old="q-01",
        options=(("円グラフ", False), ("棒グラフ", True), ("折れ線グラフ", False)),
        option_keys=("b", "a", ""),
    )
    publish(client, "data-basics")
    [q1] = [q for q in module("data-basics").current_version.questions if q.key == "q-01"]
    assert q1.options == [
        {"key": "b", "text": "円グラフ"},
        {"key": "a", "text": "棒グラフ"},
        {"key": "c", "text": "折れ線グラフ"},
    ]
    assert q1.correct_keys == ["a"]


def test_lessons_keep_file_name_order_and_can_be_renamed(client, author):
    build_module(client)
    save_lesson(client, "data-basics", "00-start", title="最初に")
    save_lesson(client, "data-basics", "03-more", title="さらに", old="02-check")
    publish(client, "data-basics")
    keys = [lesson.key for lesson in module("data-basics").current_version.lessons]
    assert keys == ["00-start", "01-collect", "03-more"]
    assert ("lesson_edited", {"lesson": "03-more", "renamed_from": "02-check"}) in _changes(
        "data-basics"
    )


def test_keys_must_be_unique_in_the_draft(client, author):
    build_module(client)
    response = save_question(client, "data-basics", "q-02")
    assert response.status_code == 422
    assert "ID q-02 はこのモジュールですでに使われています" in _html(response)
    response = save_lesson(client, "data-basics", "01-collect")
    assert response.status_code == 422


def test_the_quiz_settings_are_saved_and_checked(client, author):
    build_module(client)
    response = client.post(
        "/authoring/modules/data-basics/quiz",
        data={
            "draw": "５",  # full-width digits are read
            "time_limit_minutes": "10",
            "max_attempts": "",
            "cooldown_minutes": "60",
            "shuffle_options": "y",
            "review": "after_pass",
        },
    )
    assert response.status_code == 302
    page = _html(client.get("/authoring/modules/data-basics/quiz"))
    assert "1回の出題数が5問ですが、問題は3問しかありません" in page
    response = client.post("/authoring/modules/data-basics/quiz", data={"draw": "たくさん"})
    assert response.status_code == 422
    assert "整数で入力してください" in _html(response)
    client.post(
        "/authoring/modules/data-basics/quiz",
        data={"draw": "2", "cooldown_minutes": "60", "review": "after_pass"},
    )
    publish(client, "data-basics")
    version = module("data-basics").current_version
    assert (version.draw_count, version.cooldown_seconds, version.review_answers) == (
        2,
        3600,
        "after_pass",
    )


def test_groups_and_the_yearly_limit_are_edited_in_the_browser(client, author):
    build_module(client)
    page = _html(client.get("/authoring/modules/data-basics/questions/q-01"))
    assert 'name="group"' in page and "互いに答えが分かってしまう問題" in page
    assert (
        save_question(
            client,
            "data-basics",
            "q-01",
            old="q-01",
            text="量を比べるグラフは？",
            options=(("棒グラフ", True), ("円グラフ", False)),
            group="graph",
        ).status_code
        == 302
    )
    save_question(
        client,
        "data-basics",
        "q-04",
        text="割合を見るグラフは？",
        options=(("円グラフ", True), ("折れ線グラフ", False)),
        group="graph",
    )
    # Two questions of one group in a quiz that shows every question: refused.
    page = _html(client.get("/authoring/modules/data-basics"))
    assert "グループ graph" in page
    assert "グループ「graph」の問題は1回の受験で1問しか出せません" in page
    bad = save_question(client, "data-basics", "q-05", group="a b")
    assert bad.status_code == 422 and "英数字と - _ だけ" in _html(bad)
    client.post(
        "/authoring/modules/data-basics/quiz",
        data={"draw": "3", "max_attempts_per_year": "4", "review": "after_pass"},
    )
    page = _html(client.get("/authoring/modules/data-basics"))
    assert "1年度の受験回数の上限" in page
    assert publish(client, "data-basics").status_code == 302
    version = module("data-basics").current_version
    assert version.max_attempts_per_year == 4
    assert {q.key: q.group_key for q in version.questions} == {
        "q-01": "graph",
        "q-02": None,
        "q-03": None,
        "q-04": "graph",
    }


def test_per_tag_counts_are_typed_after_a_colon(client, author):
    assert new_module(client).status_code == 302
    save_lesson(client, "data-basics", "01-a", title="読む", body="本文です。\n")
    for key, tag in (("q-01", "用語"), ("q-02", "用語"), ("q-03", "行動原則")):
        save_question(client, "data-basics", key, tags=tag)
    client.post(
        "/authoring/modules/data-basics/quiz",
        data={"draw": "3", "stratify_by": "用語：２, 行動原則: 1", "review": "always"},
    )
    page = _html(client.get("/authoring/modules/data-basics/quiz"))
    assert 'value="用語: 2, 行動原則: 1"' in page
    assert publish(client, "data-basics").status_code == 302
    version = module("data-basics").current_version
    assert (version.stratify_tags, version.stratify_counts) == (
        ["用語", "行動原則"],
        {"用語": 2, "行動原則": 1},
    )


# --- versions -------------------------------------------------------------------------


def _submit_wrong(user, mod) -> Attempt:
    attempt = attempts.start_attempt(db.session, user.id, mod)
    sheet = {}
    for q in db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids))):
        sheet[q.id] = [next(o["key"] for o in q.options if o["key"] not in q.correct_keys)]
    attempts.submit_attempt(db.session, attempt.id, user.id, answers=sheet)
    db.session.commit()
    return attempt


def test_an_edit_after_attempts_leaves_their_reviews_unchanged(client, author, login, make_user):
    build_module(client)
    publish(client, "data-basics")
    learner = make_user("L0001")
    attempt = _submit_wrong(learner, module("data-basics"))
    client.post("/logout")
    login(learner)
    review_before = _html(client.get(f"/attempts/{attempt.id}/result"))
    api_before = client.get(f"/api/v1/attempts/{attempt.id}").get_json()
    client.post("/logout")

    login(author)
    assert start_draft(client, "data-basics").status_code == 302
    save_question(
        client,
        "data-basics",
        "q-01",
        old="q-01",
        text="量の大小を比べるのに向くグラフは？",
        options=(("棒グラフ", False), ("円グラフ", True)),
        option_keys=("a", "b"),
    )
    # Learners still see version 1 while the draft is open.
    assert module("data-basics").current_version.number == 1
    publish(client, "data-basics")
    assert module("data-basics").current_version.number == 2
    client.post("/logout")

    login(learner)
    review_after = _html(client.get(f"/attempts/{attempt.id}/result"))
    strip = re.compile(r'name="csrf[-_]token"[^>]*>')
    assert strip.sub("", review_after) == strip.sub("", review_before)
    assert "量を比べるグラフは？" in review_after
    assert client.get(f"/api/v1/attempts/{attempt.id}").get_json() == api_before
    # A new attempt is drawn from version 2.
    response = client.post("/modules/data-basics/attempts")
    new_attempt = db.session.get(Attempt, int(response.location.rsplit("/", 1)[1]))
    assert new_attempt.version.number == 2
    assert "量の大小を比べるのに向くグラフは？" in _html(client.get(response.location))


def test_publishing_an_unchanged_draft_publishes_nothing(client, author):
    build_module(client)
    publish(client, "data-basics")
    start_draft(client, "data-basics")
    page = _html(client.get("/authoring/modules/data-basics"))
    assert "まだ変更はありません" in page and 'id="publish-button" disabled' in page
    response = publish(client, "data-basics")
    assert "公開する変更がありません" in _html(client.get(response.location))
    assert db.session.scalar(select(func.count()).select_from(ModuleVersion)) == 1
    assert db.session.scalar(select(func.count()).select_from(ModuleDraft)) == 1


def test_discarding_a_draft_keeps_the_published_version(client, author):
    build_module(client)
    publish(client, "data-basics")
    start_draft(client, "data-basics")
    save_lesson(client, "data-basics", "01-collect", title="変更", old="01-collect")
    client.post("/authoring/modules/data-basics/discard")
    assert module("data-basics").current_version.lessons[0].title == "集める"
    assert db.session.scalar(select(func.count()).select_from(ModuleDraft)) == 0
    assert _changes("data-basics")[-1][0] == "draft_discarded"


def test_discarding_a_never_published_module_deletes_it(client, author):
    new_module(client)
    response = client.post("/authoring/modules/data-basics/discard")
    assert response.location == "/authoring/"
    assert module("data-basics") is None


def test_the_history_says_who_did_what_when(client, author):
    build_module(client)
    publish(client, "data-basics")
    start_draft(client, "data-basics")
    client.post("/authoring/modules/data-basics/questions/q-02/retire", data={"retired": "1"})
    publish(client, "data-basics")
    actions = [action for action, _detail in _changes("data-basics")]
    assert actions == [
        "module_created",
        "lesson_added",
        "lesson_added",
        "question_added",
        "question_added",
        "question_added",
        "published",
        "draft_created",
        "question_retired",
        "published",
    ]
    page = _html(client.get("/authoring/modules/data-basics/history"))
    assert "作成 花子" in page
    assert "問題 q-02 を使用停止" in page
    assert "第2版を公開" in page
    assert "第1版から下書きを開始" in page


# --- retiring ------------------------------------------------------------------------


def test_a_retired_question_is_drawn_no_more_and_old_attempts_keep_it(client, author, make_user):
    build_module(client)
    publish(client, "data-basics")
    learner = make_user("L0002")
    old = _submit_wrong(learner, module("data-basics"))
    start_draft(client, "data-basics")
    response = client.post(
        "/authoring/modules/data-basics/questions/q-02/retire", data={"retired": "1"}
    )
    assert response.status_code == 302
    publish(client, "data-basics")
    version = module("data-basics").current_version
    assert [q.key for q in version.active_questions] == ["q-01", "q-03"]
    assert [q.key for q in version.questions] == ["q-01", "q-02", "q-03"]
    new = attempts.start_attempt(db.session, learner.id, module("data-basics"))
    drawn = {db.session.get(Question, qid).key for qid in new.question_ids}
    assert drawn == {"q-01", "q-03"}
    old_keys = [db.session.get(Question, qid).key for qid in old.question_ids]
    assert old_keys == ["q-01", "q-02", "q-03"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "question_retired"))
    assert event.detail == {"question": "q-02"} and event.object_id == "data-basics"


def test_a_published_question_cannot_be_deleted_or_renamed(client, author):
    build_module(client)
    publish(client, "data-basics")
    start_draft(client, "data-basics")
    response = client.post("/authoring/modules/data-basics/questions/q-01/delete")
    assert "削除できません" in _html(client.get(response.location))
    response = save_question(client, "data-basics", "q-99", old="q-01")
    assert response.status_code == 422
    assert "IDは変えられません" in _html(response)
    # A question added in this draft can go.
    save_question(client, "data-basics", "q-04")
    client.post("/authoring/modules/data-basics/questions/q-04/delete")
    keys = [q["key"] for q in module("data-basics").id and _draft_questions("data-basics")]
    assert keys == ["q-01", "q-02", "q-03"]


def _draft_questions(slug):
    draft = db.session.scalar(select(ModuleDraft).where(ModuleDraft.module_id == module(slug).id))
    return draft.spec["quiz"]["questions"]


def test_questions_move_up_and_down(client, author):
    build_module(client)
    client.post("/authoring/modules/data-basics/questions/q-03/move", data={"direction": "up"})
    assert [q["key"] for q in _draft_questions("data-basics")] == ["q-01", "q-03", "q-02"]


# --- images ----------------------------------------------------------------------------


def _upload(client, data, name="chart.png", json=True):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        "/authoring/modules/data-basics/images",
        data={"image": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_an_uploaded_image_is_shown_in_the_lesson_and_served_by_the_app(
    client, author, login, make_user
):
    build_module(client)
    response = _upload(client, PNG, "グラフ 1.png")
    body = response.get_json()
    assert response.status_code == 200 and body["ok"]
    assert body["name"] == "1.png"
    assert body["markdown"] == "![画像の説明](../images/1.png)"
    save_lesson(
        client,
        "data-basics",
        "01-collect",
        title="集める",
        body="図：\n\n" + body["markdown"],
        old="01-collect",
    )
    preview = client.post(
        "/authoring/modules/data-basics/markdown", json={"markdown": body["markdown"]}
    ).get_json()
    src = re.search(r'src="([^"]+)"', preview["html"]).group(1)
    assert src.startswith("/images/")
    served = client.get(src)
    assert (served.status_code, served.mimetype, served.data) == (200, "image/png", PNG)
    assert served.headers["X-Content-Type-Options"] == "nosniff"

    learner = make_user("L0003")
    client.post("/logout")
    login(learner)
    assert client.get(src).status_code == 404  # only in a draft so far
    client.post("/logout")
    login(author)
    publish(client, "data-basics")
    client.post("/logout")
    login(learner)
    page = _html(client.get("/modules/data-basics/lessons/01-collect"))
    assert f'<img src="{src}" alt="画像の説明">' in page
    assert client.get(src).data == PNG


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (SVG, "chart.svg", "SVG画像は使えません"),
        (SVG, "chart.png", "SVG画像は使えません"),  # the name does not decide
        (b"MZ\x90\x00 not an image", "chart.png", "PNG・JPEG・GIF・WebP の画像ではありません"),
        (PNG + b"\x00" * 600, "big.png", "2MBを超えています"),
    ],
)
def test_uploads_that_are_not_accepted_images_are_refused(
    client, author, monkeypatch, data, name, message
):
    # The limit is 2 MB; a small one here keeps the test client's uploads in memory.
    monkeypatch.setattr("skillapp.authoring.images.MAX_IMAGE_BYTES", 500)
    new_module(client)
    response = _upload(client, data, name)
    assert response.status_code == 400
    assert message in response.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(ContentImage)) == 0
    # Without script: the same message as a notice, nothing stored.
    response = _upload(client, data, name, json=False)
    assert response.status_code == 302
    assert message in _html(client.get(response.location))


def test_the_upload_limit_is_2_mb():
    from skillapp.authoring.images import ImageRejected, check_upload

    assert check_upload(PNG + b"\x00" * (2 * 1024 * 1024 - len(PNG))) == "image/png"
    with pytest.raises(ImageRejected) as refused:
        check_upload(PNG + b"\x00" * (2 * 1024 * 1024))
    assert refused.value.code == "too_large"


def test_the_same_picture_twice_is_one_image_and_names_do_not_clash(client, author):
    new_module(client)
    first = _upload(client, PNG, "chart.png").get_json()
    again = _upload(client, PNG, "other-name.png").get_json()
    other = _upload(client, OTHER_PNG, "chart.png").get_json()
    assert (first["name"], again["name"], other["name"]) == (
        "chart.png",
        "chart.png",
        "chart-2.png",
    )
    assert db.session.scalar(select(func.count()).select_from(ContentImage)) == 2


def test_an_unused_image_blocks_publishing_until_removed(client, author):
    build_module(client)
    _upload(client, png(3, 3), "spare.png")
    page = _html(client.get("/authoring/modules/data-basics"))
    assert "この画像はどのレッスンでも使われていません" in page
    client.post("/authoring/modules/data-basics/images/spare.png/delete")
    publish(client, "data-basics")
    assert module("data-basics").current_version is not None


# --- CSRF -----------------------------------------------------------------------------


def test_every_editor_form_needs_its_csrf_token(csrf_app, client, make_user, login):
    user = make_user("AUTHC", roles=["author"])
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "staff_no": user.staff_no,
            "password": "correct horse battery staple",
            "csrf_token": csrf_token_from(_html(page)),
        },
    )
    response = client.post(
        "/authoring/new",
        data={"slug": "x-mod", "kind": "module", "title": "t", "category": "other", "summary": "s"},
    )
    assert response.status_code in (400, 422)
    assert module("x-mod") is None
    form = _html(client.get("/authoring/new"))
    token = csrf_token_from(form)
    response = client.post(
        "/authoring/new",
        data={
            "slug": "x-mod",
            "kind": "module",
            "title": "t",
            "category": "other",
            "summary": "s",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    # The JSON preview needs the token in its header.
    assert (
        client.post("/authoring/modules/x-mod/markdown", json={"markdown": "x"}).status_code == 400
    )
    ok = client.post(
        "/authoring/modules/x-mod/markdown", json={"markdown": "x"}, headers={"X-CSRFToken": token}
    )
    assert ok.status_code == 200
    for path in ("publish", "discard", "draft", "questions/q/retire"):
        assert client.post(f"/authoring/modules/x-mod/{path}").status_code == 400
    assert module("x-mod") is not None
