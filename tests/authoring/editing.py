"""Driving the browser editor through the test client, as an author's browser would."""

from sqlalchemy import select

from skillapp.extensions import db
from skillapp.learning.models import Module


def new_module(client, slug="data-basics", *, kind="module", title="データの基本"):
    return client.post(
        "/authoring/new",
        data={
            "slug": slug,
            "kind": kind,
            "title": title,
            "category": "ebpm",
            "summary": "データを集めて確かめる基本を学びます。",
        },
    )


def save_lesson(client, slug, key, *, title="レッスン", body="本文です。\n", minutes="", old=None):
    url = (
        f"/authoring/modules/{slug}/lessons/{old}"
        if old
        else f"/authoring/modules/{slug}/new-lesson"
    )
    return client.post(url, data={"key": key, "title": title, "minutes": minutes, "body": body})


def save_question(
    client,
    slug,
    key,
    *,
    type="single",
    text="問い",
    options=(("正しい選択肢", True), ("誤った選択肢", False)),
    answer=None,
    explanation="解説です。",
    weight="1",
    tags="",
    group="",
    old=None,
    option_keys=None,
):
    data = {
        "key": key,
        "type": type,
        "text": text,
        "explanation": explanation,
        "weight": weight,
        "tags": tags,
        "group": group,
        "option_count": str(len(options)),
        "correct": [str(n) for n, (_t, ok) in enumerate(options, 1) if ok],
    }
    for n, (option_text, _ok) in enumerate(options, 1):
        data[f"option-text-{n}"] = option_text
        if option_keys:
            data[f"option-key-{n}"] = option_keys[n - 1]
    if answer is not None:
        data["answer"] = answer
    url = (
        f"/authoring/modules/{slug}/questions/{old}"
        if old
        else f"/authoring/modules/{slug}/new-question"
    )
    return client.post(url, data=data)


def publish(client, slug):
    return client.post(f"/authoring/modules/{slug}/publish")


def start_draft(client, slug):
    return client.post(f"/authoring/modules/{slug}/draft")


def build_module(client, slug="data-basics"):
    """A complete module made in the editor: two lessons, one question of each type."""
    assert new_module(client, slug).status_code == 302
    assert (
        save_lesson(
            client, slug, "01-collect", title="集める", body="件数を数えます。\n"
        ).status_code
        == 302
    )
    assert (
        save_lesson(
            client, slug, "02-check", title="確かめる", body="グラフで確かめます。\n"
        ).status_code
        == 302
    )
    assert (
        save_question(
            client,
            slug,
            "q-01",
            text="量を比べるグラフは？",
            options=(("棒グラフ", True), ("円グラフ", False)),
        ).status_code
        == 302
    )
    assert (
        save_question(
            client,
            slug,
            "q-02",
            type="multiple",
            text="記録するものは？",
            options=(("件数", True), ("時間", True), ("好み", False)),
        ).status_code
        == 302
    )
    assert (
        save_question(
            client,
            slug,
            "q-03",
            type="true_false",
            text="感覚で十分だ。",
            answer="false",
            options=(),
        ).status_code
        == 302
    )


def module(slug) -> Module:
    db.session.expire_all()
    return db.session.scalar(select(Module).where(Module.slug == slug))
