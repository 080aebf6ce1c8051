"""Script in lessons and questions renders inert everywhere it is shown: the
editor's live preview and draft preview, the learner's pages and the review."""

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from skillapp.assessment import services as attempts
from skillapp.assessment.models import Question
from skillapp.extensions import db
from skillapp.util.markdown import render_markdown
from tests.authoring.editing import module, new_module, publish, save_lesson, save_question

# Classic payloads (OWASP XSS filter evasion, Markdown-specific ones).
CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '[x](https://example.com "title" onmouseover="alert(1)")',
    "<iframe src=javascript:alert(1)></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<<script>script>alert(1)<</script>/script>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "`<script>alert(1)</script>`",
    "<details open ontoggle=alert(1)>",
    '"><script>alert(1)</script>',
    "'; alert(1); //",
]
MARKER = "alert(1)"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}
# The app's own scripts, served by itself.
OWN_SCRIPTS = {"/static/js/app.js", "/static/js/editor.js", "/static/js/quiz.js"}


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src") not in OWN_SCRIPTS:
            self.problems.append(f"<script {attrs}>")
        if tag in ("iframe", "object", "embed", "svg", "math", "base", "frame"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style" and "javascript" in (value or "").lower():
                self.problems.append(f"<{tag} style=…>")
            if name in URL_ATTRIBUTES and value:
                scheme = value.strip().lower().split(":", 1)[0]
                if ":" in value and scheme in ("javascript", "data", "vbscript"):
                    self.problems.append(f"<{tag} {name}={value}>")


def assert_inert(html: str, where: str):
    audit = _Audit()
    audit.feed(html)
    assert audit.problems == [], where


@pytest.mark.parametrize("payload", CORPUS)
def test_the_renderer_leaves_nothing_active(payload):
    assert_inert(render_markdown(payload), payload)
    assert_inert(render_markdown(f"段落\n\n{payload}\n\n- {payload}\n\n> {payload}\n"), payload)


@pytest.fixture
def hostile_module(app, client, login, make_user):
    """A module whose lesson, questions, options and explanations carry the corpus."""
    author = make_user("AUTHX", roles=["author"])
    login(author)
    assert new_module(client, "hostile", title="<script>alert(1)</script>題").status_code == 302
    body = "\n\n".join(CORPUS) + "\n"
    assert (
        save_lesson(
            client, "hostile", "01-x", title="<img src=x onerror=alert(1)>", body=body
        ).status_code
        == 302
    )
    for n, payload in enumerate(CORPUS[:8], 1):
        response = save_question(
            client,
            "hostile",
            f"q-{n:02d}",
            text=payload,
            options=((payload, True), ("<b onclick=alert(1)>b</b>", False)),
            explanation=payload,
            tags=payload.replace(",", " "),
        )
        assert response.status_code == 302
    return author


def test_the_editor_shows_the_corpus_inert(client, hostile_module):
    for path in (
        "/authoring/",
        "/authoring/modules/hostile",
        "/authoring/modules/hostile/lessons/01-x",
        "/authoring/modules/hostile/questions/q-01",
        "/authoring/modules/hostile/questions/q-02",
        "/authoring/modules/hostile/preview",
        "/authoring/modules/hostile/preview/lessons/01-x",
        "/authoring/modules/hostile/preview/quiz",
        "/authoring/modules/hostile/history",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(response.get_data(as_text=True), path)
    for payload in CORPUS:
        live = client.post("/authoring/modules/hostile/markdown", json={"markdown": payload})
        assert_inert(live.get_json()["html"], payload)


def test_learners_and_the_review_show_the_corpus_inert(client, hostile_module, login, make_user):
    publish(client, "hostile")
    assert module("hostile").current_version is not None
    learner = make_user("L0009")
    client.post("/logout")
    login(learner)
    for path in ("/", "/modules/hostile", "/modules/hostile/lessons/01-x"):
        assert_inert(client.get(path).get_data(as_text=True), path)
    start = client.post("/modules/hostile/attempts")
    take = client.get(start.location).get_data(as_text=True)
    assert_inert(take, "take")
    assert MARKER in take  # the payloads are there, as text
    attempt_id = int(start.location.rsplit("/", 1)[1])
    attempt = attempts.open_attempt(db.session, learner.id, module("hostile").id)
    sheet = {
        q.id: [q.options[1]["key"]]
        for q in db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids)))
    }
    attempts.submit_attempt(db.session, attempt_id, learner.id, answers=sheet)
    db.session.commit()
    review = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert_inert(review, "review")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in review
    assert_inert(client.get("/history").get_data(as_text=True), "history")
