"""Seed a demo city: roster, an account for each role, and attempts that give
the dashboards something real to count. Every record goes through the same
services the product uses."""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillapp.assessment import services as attempts
from skillapp.auth.models import User
from skillapp.auth.services import set_password, set_roles
from skillapp.city.services import current_profile, update_profile
from skillapp.db import utcnow
from skillapp.demo.data import DEMO_ACCOUNTS, DEPARTMENTS, FAMILY_NAMES, GIVEN_NAMES, TITLES
from skillapp.learning import services as learning
from skillapp.roster.importing import RosterRow, apply_import, plan_import
from skillapp.roster.models import Staff
from skillapp.roster.services import get_or_create_department
from skillapp.util.dates import fiscal_year_of, today_jst


@dataclass
class SeedReport:
    staff: int = 0
    accounts: list[tuple[str, str, str, tuple]] = field(default_factory=list)
    attempts: int = 0
    results: int = 0
    attendances: int = 0
    survey_responses: int = 0
    assignments: int = 0


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Staff))


def seed_demo(
    session: Session, *, config, seed: int = 2026, progress: Callable[[str], None] | None = None
) -> SeedReport:
    """Create the demo city through the roster import. The caller commits.

    Deterministic for a given seed. The roster is effective from 1 April of the
    previous fiscal year, so that both years have people to count. ``progress``
    is told each stage as it starts (the command line prints it).
    """
    say = progress or (lambda _message: None)
    rng = random.Random(seed)
    say("the roster and the demo accounts")
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
    # The demo city's units in its own order (as its roster would list them),
    # not in the order the demo accounts above happen to come.
    for department in DEPARTMENTS:
        get_or_create_department(session, department)
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
    for n, user in enumerate(people):
        if n % 24 == 0:
            say(f"lessons and attempts: {n} of {len(people)} people")
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
    say("results from another system, training records and surveys")
    _seed_records(session, rng, [row.staff_no for row in rows], report)
    say("assignments and the city profile")
    _seed_assignments(session, users["D0003"], report)
    _seed_city_profile(session, users["D0004"], config)
    _seed_security_indicator(session)
    return report


# The demo city's own indicator for its security test: the mean score of those who
# took it, 80 points or more in every grade (an aim of the kind 小金井市's DX action
# plan sets for its security-policy test).
SECURITY_TEST = "security-check"
SECURITY_INDICATOR = "security_test_mean"
SECURITY_TARGET = 80


def _seed_security_indicator(session: Session) -> None:
    from skillapp.metrics.defaults import YEARS
    from skillapp.metrics.models import ASSESSMENT_MEAN_SCORE, Indicator
    from skillapp.metrics.services import create_indicator, list_indicators, set_targets
    from skillapp.roster.bands import BAND_CODES

    if learning.module_by_slug(session, SECURITY_TEST) is None:
        return  # a curriculum without the security test
    if session.scalar(select(Indicator.id).where(Indicator.code == SECURITY_INDICATOR)):
        return
    number = max((i.number for i in list_indicators(session)), default=0) + 1
    indicator = create_indicator(
        session,
        code=SECURITY_INDICATOR,
        number=number,
        name="情報セキュリティ確認テストの平均点（受験した職員）",
        kind=ASSESSMENT_MEAN_SCORE,
        bands=list(BAND_CODES),
        assessment=SECURITY_TEST,
    )
    for year in YEARS:
        set_targets(session, year, {(indicator.id, band): SECURITY_TARGET for band in BAND_CODES})


def _seed_city_profile(session: Session, admin: User, config) -> None:
    """The names the demo city's lessons show, as its administrator would set them
    (管理 › 市の設定), and a short statement of its own principles."""
    name = current_profile(session, config).name
    update_profile(
        session,
        {
            "guideline": f"{name}DX推進ガイドライン（2026〜2029）",
            "plan": f"第2次{name}DX推進計画",
            "principles": (
                f"{name}は、国の「DXリテラシー標準」が示す7つのマインド・スタンスを、"
                "職員一人ひとりの行動原則とします。\n\n"
                "迷ったときは「それは誰の、どんな困りごとを解決するのか」"
                "「データで確かめたか」に立ち返ります。"
            ),
        },
        actor_id=admin.id,
    )


def _seed_assignments(session: Session, hr: User, report: SeedReport) -> None:
    """What HR requires of the demo city: the DX literacy assessment of everyone
    by the end of the fiscal year, the empathy module of 主査・主事 within a month."""
    from skillapp.assignments.models import BANDS, EVERYONE
    from skillapp.assignments.services import AssignmentInput, create_assignment
    from skillapp.learning.models import Module

    today = today_jst()
    published = [
        m for m in session.scalars(select(Module).order_by(Module.id)) if m.current_version_id
    ]
    assessments = [m for m in published if m.is_assessment]
    modules = [m for m in published if not m.is_assessment]
    # The bundled curriculum's, or the first of each kind another one has.
    assessment = next((m for m in assessments if m.slug == "dx-literacy"), None) or next(
        iter(assessments), None
    )
    module = next((m for m in modules if m.slug == "mindset-1-empathy"), None) or next(
        iter(modules), None
    )
    wanted = [
        (assessment, EVERYONE, [], date(fiscal_year_of(today) + 1, 3, 31)),
        (module, BANDS, ["staff"], today + timedelta(days=30)),
    ]
    for module, target, bands, due_on in wanted:
        if module is None:
            continue
        create_assignment(
            session,
            AssignmentInput(module_id=module.id, target=target, due_on=due_on, bands=bands),
            by_id=hr.id,
            today=today,
        )
        report.assignments += 1


def _seed_records(session: Session, rng, staff_numbers: list[str], report: SeedReport) -> None:
    """Results from another system, training attendance and two years' surveys,
    each written as a file and loaded through its own import."""
    from skillapp.assessment.importing import apply_results, plan_results
    from skillapp.surveys.importing import apply_survey, plan_survey
    from skillapp.training.importing import apply_training, plan_training
    from skillapp.util.spreadsheets import to_csv

    year = fiscal_year_of(today_jst())
    last_day = min(today_jst(), date(year + 1, 3, 31))

    def day_in(fiscal_year: int) -> date:
        first = date(fiscal_year, 4, 1)
        end = min(last_day, date(fiscal_year + 1, 3, 31))
        return first + timedelta(days=rng.randint(0, max((end - first).days, 0)))

    def load(plan_fn, apply_fn, headers, rows, name, **options):
        data = to_csv(headers, rows)
        plan = plan_fn(session, data, **options)
        if plan.blocked:  # the generator and the importer disagree: a bug
            raise ValueError("; ".join(str(p) for p in plan.problems))
        apply_fn(session, plan, file_name=name, data=data)
        return plan

    from skillapp.learning.models import Module

    has_assessment = session.scalar(select(Module.id).where(Module.slug == "dx-literacy"))
    results = [
        [staff_no, "dx-literacy", rng.choice([55, 62, 68, 70, 74, 81, 88, 93]), f"{day}T10:00:00"]
        for fiscal_year in (year - 1, year)
        for staff_no in rng.sample(staff_numbers, k=len(staff_numbers) // 4)
        if (day := day_in(fiscal_year))
    ]
    if has_assessment:
        report.results = load(
            plan_results,
            apply_results,
            ["職員番号", "科目コード", "点数", "受験日時"],
            results,
            "results-other-system.csv",
        ).counts["new"]

    courses = [
        ("Excelで始めるデータ分析", "データ分析"),
        ("生成AIの安全な使い方", "生成AI"),
        ("ノーコードで作るオンライン申請", "デジタルツール"),
        ("情報セキュリティ研修", "情報セキュリティ"),
    ]
    attendance = []
    for fiscal_year in (year - 1, year):
        for name, category in courses:
            for _ in range(2):
                held_on = day_in(fiscal_year).isoformat()
                for staff_no in rng.sample(staff_numbers, k=rng.randint(8, 20)):
                    attendance.append([name, category, held_on, staff_no])
    report.attendances = load(
        plan_training,
        apply_training,
        ["研修名", "区分", "実施日", "職員番号"],
        attendance,
        "training.csv",
    ).counts["new"]

    questions = [
        ("Q1 業務でデジタルツールを使う頻度", ["毎日", "週に数回", "月に数回", "ほとんど使わない"]),
        ("Q5 デジタルツールやデータで業務の仕組みを改善した経験", ["ある", "ない"]),
        (
            "Q8 企画や評価でEBPMやKPI分析を活用している",
            ["活用している", "ときどき活用している", "活用していない"],
        ),
        ("Q10 生成AIを業務で使ったことがある", ["ある", "ない", "わからない"]),
    ]
    # How often each answer is given, so that the figures look like a real city's.
    WEIGHTS = [(3, 4, 2, 1), (4, 6), (2, 3, 5), (4, 5, 1)]  # noqa: N806
    indicators = {
        "improvement_experience": {"column": questions[1][0], "positive": ["ある"]},
        "ebpm_practice": {
            "column": questions[2][0],
            "positive": ["活用している", "ときどき活用している"],
        },
    }
    for fiscal_year in (year - 1, year):
        rows = []
        for staff_no in rng.sample(staff_numbers, k=int(len(staff_numbers) * 0.8)):
            answers = [
                "" if rng.random() < 0.05 else rng.choices(options, weights)[0]
                for (_, options), weights in zip(questions, WEIGHTS, strict=True)
            ]
            rows.append([staff_no, *answers])
        plan = load(
            plan_survey,
            apply_survey,
            ["職員番号", *(q for q, _ in questions)],
            rows,
            f"staff-survey-{fiscal_year}.csv",
            fiscal_year=fiscal_year,
            mapping={
                "staff_no_column": "職員番号",
                "grade_column": "",
                "grade_values": {},
                "indicators": indicators,
            },
        )
        report.survey_responses += plan.counts["new"]


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
