"""A large roster import checks its foreign keys once at the end (PostgreSQL):
the keys come back exactly as they were, a failed import changes nothing, and
an import that cannot have the tables to itself checks row by row instead."""

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from skillapp.auth.models import User
from skillapp.extensions import db
from skillapp.roster import importing
from skillapp.roster.models import Staff, StaffState
from tests.roster.test_import import MARCH, csv_bytes, run_import

pytestmark = pytest.mark.usefixtures("app")

KEY_TABLES = ("staff", "staff_history", "users")


def foreign_keys() -> set[tuple[str, str, str]]:
    """(table, name, definition) of every foreign key on the roster tables."""
    rows = db.session.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(:tables)"
        ),
        {"tables": list(KEY_TABLES)},
    )
    return {tuple(row) for row in rows}


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the keys are dropped and added back on PostgreSQL only")
    app.config["ROSTER_BULK_LOAD_ROWS"] = 2  # MARCH has 3 people: a "large" load
    return app


def test_the_keys_come_back_as_they_were_and_hold(postgresql):
    before = foreign_keys()
    assert len(before) == 5
    plan, result = run_import(csv_bytes(MARCH), date(2026, 4, 1))
    assert foreign_keys() == before
    assert db.session.scalar(select(func.count()).select_from(Staff)) == 3
    assert db.session.scalar(select(func.count()).select_from(StaffState)) == 3
    assert db.session.scalar(select(func.count()).select_from(User)) == 3
    assert len(result.passwords) == 3
    # Checked again from then on: a history row for nobody is refused.
    with pytest.raises(IntegrityError):
        db.session.execute(
            StaffState.__table__.insert().values(
                staff_id=999_999,
                effective_from=date(2026, 4, 1),
                name="x",
                job_title="主事",
                employment_type="",
                email="",
                is_active=True,
                created_at=func.now(),
            )
        )
    db.session.rollback()
    assert foreign_keys() == before


def test_a_failed_large_import_changes_neither_rows_nor_keys(postgresql, monkeypatch):
    before = foreign_keys()
    rows, _ = importing.parse_roster(csv_bytes(MARCH))
    plan = importing.plan_import(db.session, rows, as_of=date(2026, 4, 1))

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")  # a fault in the last write, the accounts

    monkeypatch.setattr(importing, "_create_accounts", broken)
    with pytest.raises(RuntimeError):
        importing.apply_import(db.session, plan, file_name="roster.csv", data=b"x")
    db.session.rollback()
    assert foreign_keys() == before
    assert db.session.scalar(select(func.count()).select_from(Staff)) == 0


def test_busy_tables_are_checked_row_by_row(postgresql, monkeypatch):
    """A report reading the users table keeps its lock: the import waits a
    moment, then writes with the keys in place instead of queueing everyone
    behind it."""
    before = foreign_keys()
    monkeypatch.setattr(
        importing,
        "foreign_keys_checked_once",
        lambda session, tables: importing_keys(session, tables, lock_timeout_ms=200),
    )
    with db.engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM users"))  # holds ACCESS SHARE till rollback
        plan, result = run_import(csv_bytes(MARCH), date(2026, 4, 1))
        reader.rollback()
    assert foreign_keys() == before
    assert len(plan.new) == 3 and len(result.passwords) == 3
    assert db.session.scalar(select(func.count()).select_from(User)) == 3


def importing_keys(session, tables, **options):
    from skillapp.db import foreign_keys_checked_once

    return foreign_keys_checked_once(session, tables, **options)


def test_a_role_that_does_not_own_the_tables_checks_row_by_row(postgresql):
    """Production may run the app as a role that writes rows but owns no table:
    it cannot drop a key, so the import checks them row by row."""
    before = foreign_keys()
    # Roles belong to the whole server, which other test runs may share.
    role = f"skillapp_test_writer_{uuid.uuid4().hex[:8]}"
    db.session.execute(text(f"CREATE ROLE {role}"))
    db.session.execute(
        text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    )
    db.session.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    db.session.commit()
    try:
        db.session.execute(text(f"SET LOCAL ROLE {role}"))  # until this transaction ends
        data = csv_bytes(MARCH)
        rows, _ = importing.parse_roster(data)
        plan = importing.plan_import(db.session, rows, as_of=date(2026, 4, 1))
        result = importing.apply_import(db.session, plan, file_name="roster.csv", data=data)
        assert db.session.scalar(text("SELECT current_user")) == role
        db.session.commit()
        assert len(plan.new) == 3 and len(result.passwords) == 3
    finally:
        db.session.rollback()
        db.session.execute(text(f"DROP OWNED BY {role}"))
        db.session.execute(text(f"DROP ROLE {role}"))
        db.session.commit()
    assert foreign_keys() == before
    assert db.session.scalar(select(func.count()).select_from(User)) == 3
