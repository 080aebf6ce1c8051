"""The order of modules: a new module goes last, and authors move modules up
and down in the editor's list, which sets ``order`` (module.yaml) without a new
version; learners, HR's dashboard and the exported files follow."""

import re
import zipfile
from io import BytesIO

import pytest
import yaml
from sqlalchemy import func, select

from skillapp.authoring.sync import sync_content_dir
from skillapp.extensions import db
from skillapp.learning.models import ModuleVersion
from tests.authoring.editing import build_module, module, publish, start_draft
from tests.conftest import write_module


def write_ordered(root, slug, order, **kwargs):
    folder = write_module(root, slug, **kwargs)
    with open(folder / "module.yaml", "a", encoding="utf-8") as handle:
        handle.write(f"order: {order}\n")
    return folder


@pytest.fixture
def content(app, tmp_path):
    """Two modules from files: 「first」 (order 10) and 「second」 (order 20)."""
    root = tmp_path / "content"
    root.mkdir()
    write_ordered(root, "first", 10)
    write_ordered(root, "second", 20)
    report = sync_content_dir(db.session, root)
    assert not report.problems
    db.session.commit()
    return root


@pytest.fixture
def author(make_user, login):
    user = make_user("AUTH1", roles=["author", "hr"])
    login(user)
    return user


def learner_order(client) -> list[str]:
    page = client.get("/").get_data(as_text=True)
    page = page[page.index('id="modules-heading"') :]
    return re.findall(r'<h3 class="module-card__title"><a href="/modules/([a-z0-9-]+)"', page)


def editor_order(client) -> list[str]:
    page = client.get("/authoring/").get_data(as_text=True)
    return re.findall(r"<code>([a-z0-9-]+)</code>", page)


def dashboard_order(client) -> list[str]:
    page = client.get("/hr/dashboard").get_data(as_text=True)
    return re.findall(r'href="/hr/dashboard/([a-z0-9-]+)\?', page)


def versions(slug) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ModuleVersion)
        .where(ModuleVersion.module_id == module(slug).id)
    )


def test_a_new_module_goes_last(client, content, author):
    build_module(client, "data-basics")
    assert publish(client, "data-basics").status_code == 302
    assert module("data-basics").current_version.sort_order > 20
    assert learner_order(client) == ["first", "second", "data-basics"]
    assert dashboard_order(client) == ["first", "second", "data-basics"]
    assert editor_order(client) == ["first", "second", "data-basics"]


def test_authors_move_modules_up_and_down(client, content, author, runner, tmp_path):
    build_module(client, "data-basics")
    publish(client, "data-basics")
    response = client.post("/authoring/modules/data-basics/move", data={"direction": "up"})
    assert response.status_code == 302
    assert editor_order(client) == ["first", "data-basics", "second"]
    assert learner_order(client) == ["first", "data-basics", "second"]
    assert dashboard_order(client) == ["first", "data-basics", "second"]
    client.post("/authoring/modules/first/move", data={"direction": "down"})
    assert learner_order(client) == ["data-basics", "first", "second"]
    # The first cannot go up, the last cannot go down.
    client.post("/authoring/modules/data-basics/move", data={"direction": "up"})
    client.post("/authoring/modules/second/move", data={"direction": "down"})
    assert learner_order(client) == ["data-basics", "first", "second"]
    # No new versions: only ``order`` changed, written in the files as module.yaml says.
    assert (versions("first"), versions("second"), versions("data-basics")) == (1, 1, 1)
    orders = {}
    for slug in ("data-basics", "first", "second"):
        archive = zipfile.ZipFile(BytesIO(client.get(f"/authoring/modules/{slug}/export.zip").data))
        orders[slug] = yaml.safe_load(archive.read(f"{slug}/module.yaml"))["order"]
    assert orders["data-basics"] < orders["first"] < orders["second"]
    # The exported files load as the same versions: a sync of them changes nothing.
    out = tmp_path / "exported"
    for slug in ("data-basics", "first", "second"):
        result = runner.invoke(args=["content", "export", slug, "--output", str(out)])
        assert result.exit_code == 0, result.output
    report = sync_content_dir(db.session, out)
    assert sorted(report.unchanged) == ["data-basics", "first", "second"], report
    # The history says who moved what.
    page = client.get("/authoring/modules/first/history").get_data(as_text=True)
    assert "並び順" in page


def test_moving_a_module_with_a_draft_moves_the_draft_too(client, content, author):
    start_draft(client, "second")
    client.post("/authoring/modules/second/move", data={"direction": "up"})
    assert learner_order(client) == ["second", "first"]
    # Publishing the draft keeps the new place (its order moved with it).
    client.post(
        "/authoring/modules/second/settings",
        data={"title": "変えた題名", "category": "other", "summary": "テスト用"},
    )
    assert publish(client, "second").status_code == 302
    assert learner_order(client) == ["second", "first"]


def test_a_never_published_module_moves_in_the_editor_list(client, content, author):
    build_module(client, "data-basics")
    assert editor_order(client) == ["first", "second", "data-basics"]
    client.post("/authoring/modules/data-basics/move", data={"direction": "up"})
    assert editor_order(client) == ["first", "data-basics", "second"]
    assert learner_order(client) == ["first", "second"]
    publish(client, "data-basics")
    assert learner_order(client) == ["first", "data-basics", "second"]


def test_moving_needs_the_editor_role(client, content, make_user, login):
    login(make_user(roles=["hr"]))
    response = client.post("/authoring/modules/first/move", data={"direction": "down"})
    assert response.status_code == 403


def test_parallel_moves_take_turns(app, tmp_path, make_user):
    """Authors moving modules at the same moment: each move applies on the order
    the one before left, so no two modules end up sharing a place."""
    import threading

    from skillapp.authoring import services

    root = tmp_path / "many"
    root.mkdir()
    slugs = [f"m{i}" for i in range(1, 7)]
    for number, slug in enumerate(slugs, start=1):
        write_ordered(root, slug, number * 10)
    sync_content_dir(db.session, root)
    user_id = make_user(roles=["author"]).id
    barrier = threading.Barrier(len(slugs) - 1)
    moved, errors = [], []

    def move(slug):
        with app.app_context():
            try:
                barrier.wait()
                moved.append(services.move_module(db.session, module(slug), -1, user_id))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 — collected and asserted below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=move, args=(slug,)) for slug in slugs[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    orders = [module(slug).current_version.sort_order for slug in slugs]
    assert len(set(orders)) == len(orders), orders
    assert moved.count(True) == len(slugs) - 1
