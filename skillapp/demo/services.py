"""Seed a demo city: roster, an account for each role, and attempts that give
the dashboards something real to count. Every record goes through the same
services the product uses."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillapp.assessment import services as attempts
from skillapp.auth.models import User
from skillapp.auth.services import set_password, set_roles
from skillapp.db import utcnow
from skillapp.demo.data import DEMO_ACCOUNTS, DEPARTMENTS, FAMILY_NAMES, GIVEN_NAMES, TITLES
from skillapp.learning import services as learning
from skillapp.roster.importing import RosterRow, apply_import, plan_import
from skillapp.roster.models import Staff
from skillapp.util.dates import fiscal_year_of, today_jst


@dataclass
class SeedReport:
    staff: int = 0
    accounts: list[tuple[str, str, str, tuple]] = field(default_factory=list)
    attempts: int = 0


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Staff))


def seed_demo(session: Session, *, config, seed: int = 2026) -> SeedReport:
    """Create the demo city through the roster import. The caller commits.

    Deterministic for a given seed. The roster is effective from 1 April of the
    previous fiscal year, so that both years have people to count.
    """
    rng = random.Random(seed)
    report = SeedReport()
    rows = [
        RosterRow(
            row=i,
            staff_no=staff_no,
            name=name,
            department=department,
            job_title=title,
            employment_type="正規",
            email="",
            is_active=True,
        )
        for i, (staff_no, name, department, title, _roles, _pw) in enumerate(DEMO_ACCOUNTS, 2)
    ]
    for index, title in enumerate(TITLES * 2, start=1):
        rows.append(
            RosterRow(
                row=len(rows) + 2,
                staff_no=f"{10000 + index}",
                name=f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES)}",
                department=rng.choice(DEPARTMENTS),
                job_title=title,
                employment_type="正規",
                email="",
                is_active=True,
            )
        )
    as_of = date(fiscal_year_of(today_jst()) - 1, 4, 1)
    plan = plan_import(session, rows, as_of=as_of)
    # No first passwords: only the demo accounts below can log in.
    apply_import(session, plan, file_name="demo-roster.csv", data=b"demo", issue_passwords=False)
    report.staff = len(rows)

    users = {u.staff_no: u for u in session.scalars(select(User))}
    for staff_no, name, _department, _title, roles, password in DEMO_ACCOUNTS:
        user = users[staff_no]
        set_roles(session, user, set(roles))
        set_password(session, user, password, config=config, must_change=False)
        report.accounts.append((staff_no, name, password, roles))
    people = [users[row.staff_no] for row in rows[len(DEMO_ACCOUNTS) :]]

    modules = learning.published_modules(session)
    now = utcnow()
    for user in people:
        diligence = rng.random()
        for module in modules:
            if rng.random() > diligence:
                continue
            version = module.current_version
            for lesson in version.lessons:
                learning.record_lesson_view(session, user.id, module, lesson.key)
            tries = 1 + (rng.random() < 0.4)
            for _ in range(tries):
                started = now - timedelta(days=rng.randint(1, 200), minutes=rng.randint(0, 600))
                try:
                    attempt = attempts.start_attempt(session, user.id, module, now=started, rng=rng)
                except attempts.AttemptError:
                    break
                sheet = _answers(session, attempt, rng, skill=0.45 + diligence / 2)
                attempts.submit_attempt(
                    session,
                    attempt.id,
                    user.id,
                    answers=sheet,
                    now=started + timedelta(minutes=rng.randint(3, 9)),
                )
                report.attempts += 1
    session.flush()
    return report


def _answers(session, attempt, rng, skill):
    """A plausible answer sheet: right with probability ``skill``, else a wrong choice."""
    from skillapp.assessment.models import Question

    sheet = {}
    for question_id in attempt.question_ids:
        question = session.get(Question, question_id)
        keys = [o["key"] for o in question.options]
        if rng.random() < skill:
            sheet[question_id] = list(question.correct_keys)
        else:
            wrong = [k for k in keys if [k] != question.correct_keys] or keys
            sheet[question_id] = [rng.choice(wrong)]
    return sheet
