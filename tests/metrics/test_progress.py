"""module_progress, kept by the services, agrees with the definition of done
counted from scratch after every kind of event that changes it."""

import pytest
from flask import current_app
from sqlalchemy import case, select

from skillapp.auth.services import create_account
from skillapp.authoring.sync import sync_content_dir
from skillapp.extensions import db
from skillapp.learning.services import record_lesson_view
from skillapp.metrics import queries
from skillapp.metrics.models import ModuleProgress
from skillapp.metrics.progress import refresh_all_progress
from skillapp.roster.services import StaffInput, upsert_staff
from skillapp.util.dates import fiscal_year_bounds, fiscal_year_of, today_jst
from tests.conftest import write_module
from tests.helpers import take, two_choice_questions
from tests.roster.test_import import HEADER, csv_bytes, run_import

YEARS = (2025, 2026)


def outcomes(module_id: int, fiscal_year: int, *, from_scratch: bool):
    """Each person's (staff id, best, passed, done) for the year: from the
    table, or from attempts, results and lesson views (a period that is not
    marked as a fiscal year is counted from scratch)."""
    period = queries.Period.fiscal_year(fiscal_year)
    if from_scratch:
        period = queries.Period(*fiscal_year_bounds(fiscal_year))
    people = queries.population(fiscal_year, with_user=True)
    outcome = queries.module_outcome(db.session, module_id, people, period)
    query = select(
        people.c.staff_id,
        outcome.best.c.best,
        case((outcome.passed, 1), else_=0),
        case((outcome.done, 1), else_=0),
    ).select_from(people)
    return sorted(db.session.execute(outcome.join(query)).all())


def table_rows():
    return sorted(
        db.session.execute(
            select(
                ModuleProgress.user_id,
                ModuleProgress.module_id,
                ModuleProgress.fiscal_year,
                ModuleProgress.staff_id,
                ModuleProgress.best_score,
                ModuleProgress.first_passed_at,
                ModuleProgress.read_all_at,
                ModuleProgress.on_roster,
                ModuleProgress.band,
                ModuleProgress.department_id,
            )
        ).all()
    )


def assert_roster_agrees():
    """Each row's person stands where the year's roster (counted from the
    history) puts them: on it with that band and department, or not on it."""
    for year in YEARS:
        people = queries.population(year)
        roster = {
            staff_id: (band, department_id)
            for staff_id, band, department_id in db.session.execute(
                select(people.c.staff_id, people.c.band, people.c.department_id)
            )
        }
        rows = db.session.execute(
            select(
                ModuleProgress.staff_id,
                ModuleProgress.on_roster,
                ModuleProgress.band,
                ModuleProgress.department_id,
            ).where(ModuleProgress.fiscal_year == year)
        ).all()
        for staff_id, on_roster, band, department_id in rows:
            assert on_roster == (staff_id in roster), (year, staff_id)
            if on_roster:
                assert (band, department_id) == roster[staff_id], (year, staff_id)


def assert_agrees(*module_ids):
    db.session.commit()
    for module_id in module_ids:
        for year in YEARS:
            kept = outcomes(module_id, year, from_scratch=False)
            assert kept == outcomes(module_id, year, from_scratch=True), (module_id, year)
    assert_roster_agrees()
    # What the services kept is what a full recompute (the migration's fill) gives.
    kept = table_rows()
    refresh_all_progress(db.session)
    assert table_rows() == kept
    db.session.rollback()


@pytest.fixture
def setting(make_user, make_module):
    module = make_module("m", questions=two_choice_questions(), lessons=2)
    exam = make_module("exam", kind="assessment", questions=two_choice_questions())
    people = {
        "A": make_user("A", job_title="主事", department="総務部総務課"),
        "B": make_user("B", job_title="係長", department="市民部市民課"),
    }
    return module, exam, people


def test_lesson_views_before_and_after_a_pass(setting):
    module, exam, people = setting
    keys = [lesson.key for lesson in module.current_version.lessons]
    record_lesson_view(db.session, people["A"].id, module, keys[0])
    db.session.commit()
    assert_agrees(module.id)
    take(people["A"], module, "2026-05-01T10:00:00+09:00", right=9)
    assert_agrees(module.id)
    assert outcomes(module.id, 2026, from_scratch=False)[0][2:] == (1, 0)  # passed, not done
    record_lesson_view(db.session, people["A"].id, module, keys[1])
    db.session.commit()
    assert_agrees(module.id)
    assert outcomes(module.id, 2026, from_scratch=False)[0][2:] == (1, 1)


def test_attempts_failing_then_passing_across_fiscal_years(setting):
    module, exam, people = setting
    take(people["A"], exam, "2026-03-31T23:59:59+09:00", right=10)  # FY2025
    take(people["A"], exam, "2026-04-01T00:00:00+09:00", right=3)  # FY2026: a fail
    take(people["B"], exam, "2026-06-01T10:00:00+09:00", right=6)
    assert_agrees(exam.id)
    take(people["B"], exam, "2026-07-01T10:00:00+09:00", right=7)  # 70: a pass
    assert_agrees(exam.id)
    got = {row[0]: row[1:] for row in outcomes(exam.id, 2026, from_scratch=False)}
    assert got[people["A"].staff_id] == (30, 0, 0)
    assert got[people["B"].staff_id] == (70, 1, 1)


def test_results_imported_from_another_system(setting, runner, tmp_path):
    module, exam, people = setting
    take(people["A"], exam, "2026-06-01T10:00:00+09:00", right=5)
    path = tmp_path / "results.csv"
    path.write_text(
        "職員番号,科目コード,点数,受験日時\nA,exam,72.5,2026-08-01T10:00:00+09:00\n"
        "B,exam,90,2026-03-31T23:59:59+09:00\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["results", "import", str(path)]).exit_code == 0
    assert_agrees(exam.id)
    got = {row[0]: row[1:] for row in outcomes(exam.id, 2026, from_scratch=False)}
    assert got[people["A"].staff_id] == (72.5, 1, 1)
    # The same row again with another score replaces the first one.
    path.write_text(
        "職員番号,科目コード,点数,受験日時\nA,exam,60,2026-08-01T10:00:00+09:00\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["results", "import", str(path)]).exit_code == 0
    assert_agrees(exam.id)


def test_a_new_version_with_an_added_lesson(setting, tmp_path):
    module, exam, people = setting
    keys = [lesson.key for lesson in module.current_version.lessons]
    for key in keys:
        record_lesson_view(db.session, people["A"].id, module, key)
    db.session.commit()
    take(people["A"], module, "2026-05-01T10:00:00+09:00", right=10)
    assert outcomes(module.id, 2026, from_scratch=False)[0][2:] == (1, 1)
    # The module's next version has a third lesson that A has not read.
    root = tmp_path / "content-modules"
    write_module(root, "m", questions=two_choice_questions(), lessons=3)
    report = sync_content_dir(db.session, root)
    assert report.updated == ["m"], report
    db.session.commit()
    assert_agrees(module.id, exam.id)
    assert outcomes(module.id, 2026, from_scratch=False)[0][2:] == (1, 0)
    db.session.refresh(module)
    for lesson in module.current_version.lessons:
        record_lesson_view(db.session, people["A"].id, module, lesson.key)
    db.session.commit()
    assert_agrees(module.id)
    assert outcomes(module.id, 2026, from_scratch=False)[0][2:] == (1, 1)


def test_roster_changes_and_a_late_login(setting, runner, tmp_path):
    module, exam, people = setting
    # Results for someone on the roster without a login count once they get one.
    upsert_staff(db.session, StaffInput("2001", "新人 太郎", "総務部総務課", "主事"))
    db.session.commit()
    path = tmp_path / "results.csv"
    path.write_text(
        "職員番号,科目コード,点数,受験日時\n2001,exam,80,2026-08-01T10:00:00+09:00\n"
        "A,exam,75,2026-08-01T10:00:00+09:00\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["results", "import", str(path)]).exit_code == 0
    assert_agrees(exam.id)
    late = create_account(db.session, "2001", config=current_app.config)
    db.session.commit()
    assert_agrees(exam.id)
    got = {row[0]: row[1:] for row in outcomes(exam.id, 2026, from_scratch=False)}
    assert got[late.staff_id] == (80, 1, 1)
    # A newcomer from a roster import, B moving unit and A leaving: the table
    # keeps their results, the roster decides who counts.
    take(people["B"], exam, "2026-07-01T10:00:00+09:00", right=8)
    run_import(
        csv_bytes(
            [
                ["A", "A", "総務部総務課", "主事", "正規", "退職"],
                ["B", "B", "総務部人事課", "係長", "正規", "在籍"],
                ["3001", "転入 次郎", "市民部市民課", "主事", "正規", "在籍"],
            ]
        ),
        today_jst(),
    )
    assert_agrees(exam.id, module.id)
    got = {row[0]: row[1:] for row in outcomes(exam.id, 2026, from_scratch=False)}
    assert people["A"].staff_id not in got
    assert got[people["B"].staff_id] == (80, 1, 1)


def test_history_changes_move_people_on_each_years_roster(setting):
    """A back-dated import, a title's new band and a leaver's edit: the rows
    follow the history, and so do the figures by grade. (FY2025's roster is
    the one asserted: its 31 March is past, whatever day the test runs.)"""
    from datetime import date

    from skillapp.roster.services import set_title_band

    module, exam, people = setting
    for staff_no, unit, title in (("A", "総務部総務課", "主事"), ("B", "市民部市民課", "係長")):
        upsert_staff(
            db.session, StaffInput(staff_no, staff_no, unit, title), effective_from=date(2025, 4, 1)
        )
    db.session.commit()
    take(people["A"], exam, "2026-03-10T10:00:00+09:00", right=9)  # FY2025
    take(people["A"], exam, "2026-06-01T10:00:00+09:00", right=8)  # FY2026
    take(people["B"], exam, "2026-06-01T10:00:00+09:00", right=10)
    assert_agrees(exam.id)

    def passed_by_band(year):
        rows = queries.completion_by_band(db.session, year, module_id=exam.id)
        return {band: (r.numerator, r.denominator) for band, r in rows[0].passed.items()}

    assert passed_by_band(2025) == {
        "management": (0, 0),
        "supervisor": (0, 1),
        "staff": (1, 1),
        "all": (1, 2),
    }
    # From 1 March 2026 A was a 係長 of 市民部市民課.
    run_import(csv_bytes([["A", "A", "市民部市民課", "係長", "正規", "在籍"]]), date(2026, 3, 1))
    assert_agrees(exam.id)
    assert passed_by_band(2025)["supervisor"] == (1, 2)
    assert passed_by_band(2025)["staff"] == (0, 0)
    # 係長 counts as 主査・主事 from now on, in every year's figures.
    set_title_band(db.session, "係長", "staff")
    db.session.commit()
    assert_agrees(exam.id)
    assert passed_by_band(2025)["staff"] == (1, 2)
    # B had left on 1 February 2026: off FY2025's roster.
    upsert_staff(
        db.session,
        StaffInput("B", "B", "市民部市民課", "係長", is_active=False),
        effective_from=date(2026, 2, 1),
    )
    db.session.commit()
    assert_agrees(exam.id)
    assert passed_by_band(2025)["staff"] == (1, 1)
    assert passed_by_band(2025)["all"] == (1, 1)


def test_a_title_in_another_band_moves_the_row_a_new_name_leaves_it(setting):
    from datetime import date

    module, exam, people = setting
    upsert_staff(
        db.session, StaffInput("A", "A", "総務部総務課", "主事"), effective_from=date(2025, 4, 1)
    )
    db.session.commit()
    take(people["A"], exam, "2026-03-10T10:00:00+09:00", right=9)  # FY2025
    assert_agrees(exam.id)
    # Promoted to 課長 in the same unit on 1 March 2026: 部長・課長 on FY2025's roster.
    run_import(csv_bytes([["A", "A", "総務部総務課", "課長", "正規", "在籍"]]), date(2026, 3, 1))
    assert_agrees(exam.id)
    rows = queries.completion_by_band(db.session, 2025, module_id=exam.id)
    assert (rows[0].passed["management"].numerator, rows[0].passed["staff"].numerator) == (1, 0)
    # A new name and e-mail on 15 March: where A stands does not change.
    run_import(
        csv_bytes(
            [["A", "A 改姓", "総務部総務課", "課長", "正規", "在籍", "a@example.jp"]],
            header=[*HEADER, "メールアドレス"],
        ),
        date(2026, 3, 15),
    )
    assert_agrees(exam.id)


def test_a_roster_change_waits_for_a_recompute_running_meanwhile(app, setting):
    """PostgreSQL: an attempt's recompute of A's rows has read the old history
    and not committed when an import moves A. The import waits for it, then
    moves the new rows too: none is left in A's old band."""
    import threading
    import time

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from skillapp.metrics.progress import refresh_user_module

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time")
    module, exam, people = setting
    today = today_jst()
    take(people["A"], exam, f"{today.isoformat()}T00:00:00+09:00", right=9)
    user_id, staff_id = people["A"].id, people["A"].staff_id
    with Session(db.engine) as recompute:
        refresh_user_module(recompute, user_id, exam.id)  # holds A's rows, not committed
        errors = []

        def move_a():
            with app.app_context():
                try:
                    run_import(
                        csv_bytes([["A", "A", "市民部市民課", "係長", "正規", "在籍"]]), today
                    )
                except Exception as error:  # noqa: BLE001 — asserted below
                    errors.append(error)
                finally:
                    db.session.remove()

        mover = threading.Thread(target=move_a)
        mover.start()
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )

        def someone_waits() -> bool:
            # A new transaction each time: the activity view is read once per transaction.
            with db.engine.connect() as watcher:
                return bool(watcher.scalar(waiting))

        deadline = time.monotonic() + 10
        while not someone_waits() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert someone_waits(), ("the import never waited for the recompute", errors)
        recompute.commit()
    mover.join(10)
    assert not mover.is_alive() and not errors, errors
    db.session.expire_all()
    band = db.session.scalar(
        select(ModuleProgress.band).where(
            ModuleProgress.staff_id == staff_id,
            ModuleProgress.fiscal_year == fiscal_year_of(today),
        )
    )
    assert band == "supervisor"
    assert_agrees(exam.id)
