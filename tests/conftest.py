"""Fixtures: one schema per test session, emptied between tests.

Runs on SQLite by default and on PostgreSQL when SKILLAPP_TEST_DATABASE_URL is set.
"""

import os
import re
from functools import cache

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from skillapp import create_app
from skillapp.auth.passwords import hash_password
from skillapp.extensions import db

PASSWORD = "correct horse battery staple"


@cache
def _hash(password: str) -> str:
    # argon2id is deliberately slow; hash each test password once per session.
    return hash_password(password)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """SQLite: a file of this session's own. PostgreSQL: the given database, or,
    when the suite runs in parallel (pytest-xdist), a database of each worker's
    own beside it (created empty; dropped at the end)."""
    url = os.environ.get("SKILLAPP_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    if worker_id == "master":
        yield url
        return
    from sqlalchemy import create_engine

    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{own}"'))
    yield f"{base}/{own}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.drop_all()
        _drop_alembic_version()
        db.create_all()
        _ensure_defaults()
        db.session.commit()
    yield
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _ensure_defaults():
    """What the migrations insert: the default title map and the default plan."""
    from skillapp.metrics.services import ensure_default_indicators
    from skillapp.roster.services import ensure_default_title_bands

    ensure_default_title_bands(db.session)
    ensure_default_indicators(db.session)


def _drop_alembic_version():
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


def _test_config(database_url, instance_dir) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "SESSION_COOKIE_SECURE": False,
        "WTF_CSRF_ENABLED": False,
        "CITY_NAME": "テスト市",
    }


def _empty_tables():
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        # Foreign keys stay on: break the modules ⇄ module_versions cycle first.
        db.session.execute(text("UPDATE modules SET current_version_id = NULL"))
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def _every_event_reads_in_words():
    """Every audit event a test has made has labels for its action, object,
    detail keys and coded values (skillapp/audit/labels.py): the audit log
    shows words, never codes (issue 14, item 23)."""
    from sqlalchemy import select
    from sqlalchemy.exc import DBAPIError

    from skillapp.audit.labels import unlabelled
    from skillapp.audit.models import AuditEvent

    db.session.rollback()
    try:
        events = db.session.scalars(select(AuditEvent)).all()
    except DBAPIError:  # a test that dropped or rebuilt the schema
        db.session.rollback()
        return
    missing = sorted({problem for event in events for problem in unlabelled(event)})
    assert not missing, "audit events with codes but no label in skillapp/audit/labels.py: " + (
        "; ".join(missing)
    )


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, with its own database session
    and ``g``, as in production, even though the test holds one open."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # The test's own session must see what the request committed.
        db.session.expire_all()
        return response


@pytest.fixture
def app(_schema, database_url, tmp_path):
    app = create_app(_test_config(database_url, tmp_path))
    app.test_client_class = FreshContextClient
    with app.app_context():
        _empty_tables()
        _ensure_defaults()
        db.session.commit()
        yield app
        _every_event_reads_in_words()
        db.session.remove()
        # Each test builds its own app and engine: close its connections now
        # rather than leaving them to the garbage collector.
        db.engine.dispose()


@pytest.fixture
def csrf_app(app):
    """The same app with CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    from skillapp.auth.models import User, UserRole
    from skillapp.roster.services import StaffInput, upsert_staff

    counter = iter(range(1, 100000))

    def make(
        staff_no=None,
        *,
        roles=(),
        password=PASSWORD,
        name="テスト 太郎",
        department="総務部総務課",
        job_title="主事",
        must_change_password=False,
        is_active=True,
    ):
        staff_no = staff_no or f"T{next(counter):05d}"
        staff = upsert_staff(
            db.session,
            StaffInput(
                staff_no=staff_no,
                name=name,
                department=department,
                job_title=job_title,
                is_active=is_active,
            ),
        )
        user = User(
            staff=staff, password_hash=_hash(password), must_change_password=must_change_password
        )
        db.session.add(user)
        db.session.flush()
        for role in roles:
            db.session.add(UserRole(user_id=user.id, role=role))
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    """Log a user in through the real login form; returns the response."""

    def do_login(user_or_staff_no, password=PASSWORD, *, client_=None, follow=True):
        c = client_ or client
        staff_no = getattr(user_or_staff_no, "staff_no", user_or_staff_no)
        return c.post(
            "/login",
            data={"staff_no": staff_no, "password": password},
            follow_redirects=follow,
        )

    return do_login


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


def write_module(root, slug, *, kind="module", title=None, questions=None, lessons=2, **quiz):
    """Write a module folder in the content format; returns its path."""
    import yaml

    folder = root / slug
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    meta = {"title": title or f"テスト {slug}", "category": "other", "summary": "テスト用"}
    if kind != "module":
        meta["kind"] = kind
    (folder / "module.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), "utf-8")
    if kind == "module":
        for i in range(1, lessons + 1):
            (folder / "lessons" / f"{i:02d}-lesson.md").write_text(
                f"# レッスン{i}\n\n本文{i}。\n", "utf-8"
            )
    if questions is None:
        questions = [
            {
                "id": f"q{i}",
                "type": "single",
                "text": f"問{i}",
                "options": [{"id": "a", "text": "正", "correct": True}, {"id": "b", "text": "誤"}],
                "explanation": f"解説{i}",
            }
            for i in range(1, 4)
        ]
    (folder / "quiz.yaml").write_text(
        yaml.safe_dump({**quiz, "questions": questions}, allow_unicode=True), "utf-8"
    )
    return folder


@pytest.fixture
def make_module(app, tmp_path):
    """Write a module in the content format and sync it; returns the Module."""
    from sqlalchemy import select

    from skillapp.authoring.sync import sync_content_dir
    from skillapp.learning.models import Module

    root = tmp_path / "content-modules"

    def make(slug="test-module", **kwargs):
        root.mkdir(exist_ok=True)
        write_module(root, slug, **kwargs)
        report = sync_content_dir(db.session, root)
        assert not report.problems, [str(p) for p in report.problems]
        db.session.commit()
        return db.session.scalar(select(Module).where(Module.slug == slug))

    return make


@pytest.fixture
def poppler(tmp_path):
    """pdftotext / pdftoppm on PDF bytes; skipped when poppler-utils is missing
    (failed instead when SKILLAPP_REQUIRE_POPPLER=1, as in CI)."""
    from tests.poppler import poppler_or_skip

    folder = tmp_path / "pdf"
    folder.mkdir()
    return poppler_or_skip(folder)
