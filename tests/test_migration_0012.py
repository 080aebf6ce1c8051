"""0012: open attempts left twice by racing starts are closed as they stood
before the index that allows one open attempt per person and test is made."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from skillapp import PROJECT_ROOT, create_app
from skillapp.assessment.models import IN_PROGRESS, SUBMITTED, Attempt, AttemptAnswer
from skillapp.audit.models import AuditEvent
from skillapp.db import utcnow
from skillapp.extensions import db
from tests.test_migrations import empty_database  # noqa: F401 — the fixture

PROGRESS = text(
    "SELECT user_id, module_id, fiscal_year, staff_id, best_score, first_passed_at,"
    " read_all_at, on_roster, band, department_id FROM module_progress"
    " ORDER BY user_id, module_id, fiscal_year"
)


def test_duplicate_open_attempts_are_closed_as_they_stood(empty_database, tmp_path):  # noqa: F811
    from datetime import date, timedelta

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
            tmp_path / "content", "exam", kind="assessment", questions=two_choice_questions(3)
        )
        sync_content_dir(db.session, tmp_path / "content")
        exam = db.session.scalar(select(Module).where(Module.slug == "exam"))
        people = []
        for staff_no in ("A", "B"):
            staff = upsert_staff(
                db.session,
                StaffInput(staff_no, staff_no, "総務部総務課", "主事"),
                effective_from=date(2025, 4, 1),
            )
            people.append(User(staff=staff, must_change_password=False))
            db.session.add(people[-1])
        db.session.commit()
        a, b = people
        take(a, exam, "2026-06-01T10:00:00+09:00", right=1)  # a submitted one before
        # Read at head: later revisions add columns the models have and 0011 has not.
        version = exam.current_version
        version_id = version.id
        question_ids = [q.id for q in version.questions]
        orders = {str(q.id): [o["key"] for o in q.options] for q in version.questions}
        db.session.commit()  # nothing held open while the migration locks the tables
        downgrade(directory=directory, revision="0011")

        # What racing starts left: three open attempts of A, one of B.
        start = utcnow() - timedelta(hours=2)

        def opened(user, number):
            attempt = Attempt(
                user_id=user.id,
                module_id=exam.id,
                version_id=version_id,
                number=number,
                status=IN_PROGRESS,
                started_at=start,
                question_ids=question_ids,
                option_orders=orders,
            )
            db.session.add(attempt)
            db.session.flush()
            return attempt

        first, worked_on, third = opened(a, 2), opened(a, 3), opened(a, 4)
        only_b = opened(b, 1)
        q1, q2, _q3 = question_ids
        db.session.add_all(
            [
                # The first got one right answer, a while ago…
                AttemptAnswer(
                    attempt_id=first.id,
                    question_id=q1,
                    selected=["a"],
                    saved_at=start + timedelta(minutes=1),
                ),
                # …the second is the one the learner went on with.
                AttemptAnswer(
                    attempt_id=worked_on.id,
                    question_id=q2,
                    selected=["a"],
                    saved_at=start + timedelta(minutes=30),
                ),
            ]
        )
        db.session.commit()
        ids = first.id, worked_on.id, third.id, only_b.id
        a_id, exam_id = a.id, exam.id
        db.session.remove()

        upgrade(directory=directory)
        status = dict(db.session.execute(select(Attempt.id, Attempt.status)).all())
        assert [status[i] for i in ids] == [SUBMITTED, IN_PROGRESS, SUBMITTED, IN_PROGRESS]
        closed = db.session.get(Attempt, ids[0])
        assert (closed.score, closed.passed, closed.earned_weight, closed.total_weight) == (
            33,
            False,
            1,
            3,
        )
        assert closed.submitted_at == start + timedelta(minutes=1)
        assert db.session.get(Attempt, ids[2]).score == 0
        assert db.session.get(Attempt, ids[2]).submitted_at == start
        # The answers of the closed attempts are marked as a submission marks them.
        marks = db.session.execute(
            select(AttemptAnswer.question_id, AttemptAnswer.is_correct)
            .where(AttemptAnswer.attempt_id == ids[0])
            .order_by(AttemptAnswer.question_id)
        ).all()
        assert marks == [(q1, True), (q2, False), (_q3, False)]
        # Nothing lost: the open one keeps its answer unmarked.
        kept = db.session.scalars(
            select(AttemptAnswer.is_correct).where(AttemptAnswer.attempt_id == ids[1])
        ).all()
        assert kept == [None]
        closings = db.session.scalars(
            select(AuditEvent.object_id).where(
                AuditEvent.action == "attempt_submitted", AuditEvent.actor_user_id.is_(None)
            )
        ).all()
        assert sorted(closings) == sorted([str(ids[0]), str(ids[2])])

        # module_progress is what the services would compute.
        with db.engine.connect() as conn:
            migrated = conn.execute(PROGRESS).all()
        refresh_all_progress(db.session)
        db.session.commit()
        with db.engine.connect() as conn:
            assert conn.execute(PROGRESS).all() == migrated
        assert (
            db.session.scalar(
                select(func.count()).select_from(Attempt).where(Attempt.user_id == a_id)
            )
            == 4
        )

        # Now the database refuses a second open attempt.
        db.session.add(
            Attempt(
                user_id=a_id,
                module_id=exam_id,
                version_id=version_id,
                number=5,
                status=IN_PROGRESS,
                question_ids=question_ids,
                option_orders=orders,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()

        downgrade(directory=directory, revision="0011")
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("attempts")}
        assert "uq_attempts_one_open" not in indexes
        upgrade(directory=directory)
        db.session.remove()
        db.engine.dispose()
