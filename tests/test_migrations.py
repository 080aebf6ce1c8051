"""Alembic: `upgrade head` on an empty database gives exactly the models'
schema, and `downgrade base` removes it again."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from skillapp import PROJECT_ROOT, create_app
from skillapp.extensions import db


@pytest.fixture
def empty_database(tmp_path):
    base = os.environ.get("SKILLAPP_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"skillapp_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_matches_models_and_downgrade_removes_all(empty_database):
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database, "SECRET_KEY": "x"})
    directory = str(PROJECT_ROOT / "migrations")
    with app.app_context():
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], diff
        with db.engine.connect() as conn:
            titles = conn.execute(text("SELECT count(*) FROM job_title_bands")).scalar()
        assert titles == 14
        # The migration's frozen default plan is the one the code would seed.
        from skillapp.metrics.services import ensure_default_indicators, list_indicators

        assert ensure_default_indicators(db.session) == 0
        migrated = {
            (i.code, i.number, i.name, i.kind, tuple(i.bands), str(i.settings)): sorted(
                (t.fiscal_year, t.band, t.target) for t in i.targets
            )
            for i in list_indicators(db.session)
        }
        db.session.rollback()
        from skillapp.metrics.defaults import DEFAULT_INDICATORS, YEARS

        expected = {
            (code, number, name, kind, tuple(targets), str(settings)): sorted(
                (year, band, float(value))
                for band, values in targets.items()
                for year, value in zip(YEARS, values, strict=True)
            )
            for code, number, name, kind, settings, targets in DEFAULT_INDICATORS
        }
        assert migrated == expected
        db.session.remove()
        downgrade(directory=directory, revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()


def test_history_rows_already_there_get_their_end_dates(empty_database):
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database, "SECRET_KEY": "x"})
    directory = str(PROJECT_ROOT / "migrations")
    now = "2026-04-01 00:00:00+00:00"
    with app.app_context():
        upgrade(directory=directory, revision="0003")
        with db.engine.begin() as conn:
            for staff_id, staff_no in ((1, "A1"), (2, "A2")):
                conn.execute(
                    text(
                        "INSERT INTO staff (id, staff_no, name, job_title, employment_type, email,"
                        " is_active, created_at, updated_at)"
                        " VALUES (:id, :no, '名前', '主事', '', '', true, :now, :now)"
                    ),
                    {"id": staff_id, "no": staff_no, "now": now},
                )
            for staff_id, day in (
                (1, "2026-10-01"),
                (1, "2025-04-01"),
                (1, "2026-04-01"),
                (2, "2026-04-01"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO staff_history (staff_id, effective_from, name, job_title,"
                        " employment_type, email, is_active, created_at)"
                        " VALUES (:id, :day, '名前', '主事', '', '', true, :now)"
                    ),
                    {"id": staff_id, "day": day, "now": now},
                )
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT staff_id, effective_from, effective_to FROM staff_history"
                    " ORDER BY staff_id, effective_from"
                )
            ).all()
        assert [(i, str(start), end and str(end)) for i, start, end in rows] == [
            (1, "2025-04-01", "2026-04-01"),
            (1, "2026-04-01", "2026-10-01"),
            (1, "2026-10-01", None),
            (2, "2026-04-01", None),
        ]
        downgrade(directory=directory, revision="0003")
        columns = {c["name"] for c in inspect(db.engine).get_columns("staff_history")}
        assert "effective_to" not in columns
        db.engine.dispose()


def test_progress_rows_already_there_get_their_place_on_each_years_roster(empty_database, tmp_path):
    """0010 fills on_roster, band and department like the services keep them."""
    from datetime import date

    from skillapp.auth.models import User
    from skillapp.authoring.sync import sync_content_dir
    from skillapp.learning.models import Module
    from skillapp.metrics.progress import refresh_all_progress
    from skillapp.roster.services import StaffInput, upsert_staff
    from tests.conftest import write_module
    from tests.helpers import take, two_choice_questions

    app = create_app({"TESTING": True, "DATABASE_URL": empty_database, "SECRET_KEY": "x"})
    directory = str(PROJECT_ROOT / "migrations")
    with app.app_context():
        upgrade(directory=directory)
        write_module(
            tmp_path / "content", "exam", kind="assessment", questions=two_choice_questions()
        )
        sync_content_dir(db.session, tmp_path / "content")
        exam = db.session.query(Module).filter_by(slug="exam").one()
        users = []
        for staff_no, title, moves in (("A", "主事", None), ("B", "係長", date(2026, 2, 1))):
            staff = upsert_staff(
                db.session,
                StaffInput(staff_no, staff_no, "総務部総務課", title),
                effective_from=date(2025, 4, 1),
            )
            if moves:  # B moves to 市民部市民課 and becomes a 課長 in FY2025
                upsert_staff(
                    db.session,
                    StaffInput(staff_no, staff_no, "市民部市民課", "課長"),
                    effective_from=moves,
                )
            users.append(User(staff=staff, must_change_password=False))
            db.session.add(users[-1])
        db.session.commit()
        for user in users:
            take(user, exam, "2025-06-01T10:00:00+09:00", right=8)
            take(user, exam, "2026-06-01T10:00:00+09:00", right=9)
        refresh_all_progress(db.session)
        db.session.commit()
        query = text(
            "SELECT user_id, module_id, fiscal_year, on_roster, band, department_id"
            " FROM module_progress ORDER BY user_id, fiscal_year"
        )
        with db.engine.connect() as conn:
            kept = conn.execute(query).all()
        assert [row[3:5] for row in kept][:2] == [(True, "staff"), (True, "staff")]
        assert kept[2][3:5] == (True, "management") and kept[2][5] != kept[0][5]
        downgrade(directory=directory, revision="0009")
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            assert conn.execute(query).all() == kept
        db.session.remove()
        db.engine.dispose()


def test_departments_and_titles_already_there_get_the_citys_order(empty_database):
    """0013: a unit's place is that of the first person ever in it (the first
    roster added people in file order); the default titles get their rank;
    every version keeps the pass mark of 70 it was scored with."""
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database, "SECRET_KEY": "x"})
    directory = str(PROJECT_ROOT / "migrations")
    now = "2026-04-01 00:00:00+00:00"
    with app.app_context():
        upgrade(directory=directory, revision="0011")
        with db.engine.begin() as conn:
            # As imports made them before: ids in character-code order.
            for id_, name, parent in (
                (1, "こども部", None),
                (2, "市民部", None),
                (3, "総務部", None),
                (4, "空き部", None),
                (5, "こども部保育課", 1),
                (6, "市民部市民課", 2),
                (7, "総務部人事課", 3),
                (8, "総務部総務課", 3),
            ):
                conn.execute(
                    text(
                        "INSERT INTO departments (id, name, parent_id, created_at)"
                        " VALUES (:id, :name, :parent, :now)"
                    ),
                    {"id": id_, "name": name, "parent": parent, "now": now},
                )
            # The file's order: 総務部総務課, 市民部市民課, こども部保育課, 総務部人事課.
            for staff_id, department_id in ((1, 8), (2, 6), (3, 5), (4, 7)):
                values = {"id": staff_id, "dept": department_id, "now": now, "no": f"S{staff_id}"}
                conn.execute(
                    text(
                        "INSERT INTO staff (id, staff_no, name, department_id, job_title,"
                        " employment_type, email, is_active, created_at, updated_at)"
                        " VALUES (:id, :no, '名前', :dept, '主事', '', '', true, :now, :now)"
                    ),
                    values,
                )
                conn.execute(
                    text(
                        "INSERT INTO staff_history (staff_id, effective_from, name, department_id,"
                        " job_title, employment_type, email, is_active, created_at)"
                        " VALUES (:id, '2026-04-01', '名前', :dept, '主事', '', '', true, :now)"
                    ),
                    values,
                )
            conn.execute(
                text("INSERT INTO job_title_bands (title, band) VALUES ('主幹', 'supervisor')")
            )
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            positions = dict(conn.execute(text("SELECT name, position FROM departments")).all())
            ranks = dict(
                conn.execute(
                    text("SELECT title, rank FROM job_title_bands WHERE band = 'supervisor'")
                ).all()
            )
        assert sorted(positions, key=positions.get) == [
            "総務部",
            "総務部総務課",
            "総務部人事課",
            "市民部",
            "市民部市民課",
            "こども部",
            "こども部保育課",
            "空き部",
        ]
        assert ranks == {"課長補佐": 1, "課長代理": 2, "係長": 3, "主任": 4, "主幹": 5}
        downgrade(directory=directory, revision="0011")
        columns = {c["name"] for c in inspect(db.engine).get_columns("departments")}
        assert "position" not in columns
        db.engine.dispose()
