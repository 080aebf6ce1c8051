"""Seed a demo city: roster, an account for each role, and attempts that give
the dashboards something real to count. Every record goes through the same
services the product uses."""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillapp.assessment import services as attempts
from skillapp.auth.models import User
from skillapp.auth.services import create_account
from skillapp.db import utcnow
from skillapp.demo.data import DEMO_ACCOUNTS, DEPARTMENTS, FAMILY_NAMES, GIVEN_NAMES, TITLES
from skillapp.learning import services as learning
from skillapp.roster.models import Staff
from skillapp.roster.services import StaffInput, upsert_staff


@dataclass
class SeedReport:
    staff: int = 0
    accounts: list[tuple[str, str, str, tuple]] = field(default_factory=list)
    attempts: int = 0


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Staff))


def seed_demo(session: Session, *, config, seed: int = 2026) -> SeedReport:
    """Create the demo city. The caller commits. Deterministic for a given seed."""
    rng = random.Random(seed)
    report = SeedReport()
    for staff_no, name, department, title, roles, password in DEMO_ACCOUNTS:
        create_account(
            session,
            staff_no,
            roles=set(roles),
            password=password,
            config=config,
            name=name,
            department=department,
            job_title=title,
            must_change=False,
        )
        report.accounts.append((staff_no, name, password, roles))
        report.staff += 1

    people = []
    for index, title in enumerate(TITLES * 2, start=1):
        name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES)}"
        staff = upsert_staff(
            session,
            StaffInput(
                staff_no=f"{10000 + index}",
                name=name,
                department=rng.choice(DEPARTMENTS),
                job_title=title,
                employment_type="正規",
            ),
        )
        # Accounts without a password: they cannot log in until HR issues one.
        user = User(staff=staff, must_change_password=True)
        session.add(user)
        people.append(user)
        report.staff += 1
    session.flush()

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
