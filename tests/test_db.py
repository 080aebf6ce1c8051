from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from skillapp.db import UTCDateTime
from skillapp.extensions import db


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        UTCDateTime().process_bind_param(datetime(2026, 4, 1), sqlite.dialect())


def test_timestamps_come_back_aware_in_utc(make_user):
    user = make_user()
    db.session.expire_all()
    assert user.created_at.tzinfo is not None
    assert user.created_at.utcoffset().total_seconds() == 0


def test_bulk_insert_converts_like_an_insert_and_joins_the_transaction(app):
    from datetime import UTC, date, timedelta, timezone

    from sqlalchemy import select

    from skillapp.db import bulk_insert
    from skillapp.roster.models import RosterImport

    jst = timezone(timedelta(hours=9))
    rows = [
        {
            "imported_at": datetime(2026, 4, 1, 9, 0, tzinfo=jst),
            "file_name": f"名簿{i}.csv",
            "sha256": "0" * 64,
            "as_of": date(2026, 4, 1),
            "deactivate_missing": i == 1,
            "rows": i,
            "counts": {"new": i, "note": "「引用」\t\\ \n"},
        }
        for i in range(3)
    ]
    bulk_insert(db.session, RosterImport, rows)
    db.session.commit()
    stored = db.session.scalars(select(RosterImport).order_by(RosterImport.rows)).all()
    assert [r.file_name for r in stored] == ["名簿0.csv", "名簿1.csv", "名簿2.csv"]
    assert stored[0].imported_at == datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
    assert stored[1].counts == {"new": 1, "note": "「引用」\t\\ \n"}
    assert [r.deactivate_missing for r in stored] == [False, True, False]
    assert stored[2].as_of == date(2026, 4, 1)
    bulk_insert(db.session, RosterImport, rows[:1])
    db.session.rollback()  # the rows went into the session's transaction
    assert len(db.session.scalars(select(RosterImport)).all()) == 3


def test_csrf_tokens_outlive_the_longest_quiz(app):
    """A quiz left open until its time limit can still be submitted: the form's
    CSRF token lasts as long as the session, and no time limit is longer."""
    from skillapp import create_app
    from skillapp.authoring.loader import MAX_TIME_LIMIT_MINUTES, load_content_dir

    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    assert limit == app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    assert limit >= MAX_TIME_LIMIT_MINUTES * 60
    loaded = load_content_dir(app.config["CONTENT_DIR"])
    assert not loaded.problems
    longest = max(m.quiz.time_limit_minutes or 0 for m in loaded.modules)
    assert 0 < longest * 60 <= limit
    # A longer absolute session timeout takes the token with it.
    longer = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "sqlite://",
            "SECRET_KEY": "x",
            "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=14),
        }
    )
    assert longer.config["WTF_CSRF_TIME_LIMIT"] == 14 * 3600


def test_settings_come_from_config_then_instance_then_environment(tmp_path, monkeypatch):
    """config.py gives the defaults, instance/config.py overrides them, and
    SKILLAPP_* environment variables override both."""
    from flask import Flask

    from skillapp import create_app

    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    monkeypatch.setenv("SKILLAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    for name in ("SKILLAPP_CITY_NAME", "SKILLAPP_LOGIN_LOCK_AFTER", "SKILLAPP_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)

    app = create_app()
    assert app.config["CITY_NAME"] == "デモ市" and app.config["LOGIN_LOCK_AFTER"] == 10
    # No key configured: one is generated into the instance folder and kept.
    key = (tmp_path / "secret_key").read_text()
    assert app.config["SECRET_KEY"] == key and len(key) == 64
    _dispose(app)

    (tmp_path / "config.py").write_text('CITY_NAME = "柏崎市"\nLOGIN_LOCK_AFTER = 5\n', "utf-8")
    app = create_app()
    assert app.config["CITY_NAME"] == "柏崎市" and app.config["LOGIN_LOCK_AFTER"] == 5
    assert app.config["SECRET_KEY"] == key
    _dispose(app)

    monkeypatch.setenv("SKILLAPP_CITY_NAME", "長岡市")
    monkeypatch.setenv("SKILLAPP_LOGIN_LOCK_AFTER", "7")
    app = create_app()
    assert app.config["CITY_NAME"] == "長岡市" and app.config["LOGIN_LOCK_AFTER"] == 7
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'app.db'}"
    _dispose(app)


def _dispose(app):
    with app.app_context():
        db.engine.dispose()


def test_bulk_values_that_compare_equal_are_converted_each_as_itself():
    """Converting a distinct value once must not merge True with 1, 1.0 with 1,
    or a local time with its twin an hour away (DST fold)."""
    from zoneinfo import ZoneInfo

    from sqlalchemy.dialects import postgresql

    from skillapp.db import UTCDateTime, _convert_column, _copy_text

    def column(values, process=None):
        return _convert_column([{"x": v} for v in values], "x", process, _copy_text)

    assert column([1, True, 1, 1]) == ["1", "t", "1", "1"]
    assert column([True, 1, 1, 1]) == ["t", "1", "1", "1"]
    assert column([1.0, 1, 1, 1]) == ["1.0", "1", "1", "1"]
    new_york = ZoneInfo("America/New_York")
    first = datetime(2025, 11, 2, 1, 30, tzinfo=new_york)
    second = first.replace(fold=1)  # the same wall time, an hour later
    assert first == second
    process = UTCDateTime().bind_processor(postgresql.dialect())
    out = column([first, second, first, second], process)
    assert out[0] != out[1] and out == [out[0], out[1], out[0], out[1]]
    assert column(["a", "a", "b", None]) == ["a", "a", "b", "\\N"]


def test_the_fallback_japanese_font_is_served_by_the_app(client):
    """A machine with no Japanese font of its own still shows Japanese: the
    stylesheet falls back to BIZ UDGothic, served by the app, not a CDN."""

    def fetch(path):
        response = client.get(path)
        response.get_data()  # read it all, then let go of the file
        response.close()
        return response

    css = fetch("/static/css/app.css").get_data(as_text=True)
    assert 'url("/fonts/BIZUDGothic-Regular.ttf")' in css and "skillapp UD Gothic" in css
    response = fetch("/fonts/BIZUDGothic-Regular.ttf")
    assert response.status_code == 200 and response.mimetype == "font/ttf"
    assert response.data[:4] == b"\x00\x01\x00\x00"  # a TrueType file
    assert "max-age=2592000" in response.headers["Cache-Control"]
    assert fetch("/fonts/OFL.txt").status_code == 404
    assert fetch("/fonts/..%2Fcertificate.py").status_code == 404
