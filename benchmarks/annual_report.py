"""Benchmark: the annual HR-development report for a city of 5,000 staff —
gathering its data (every query) and rendering the PDF. Prints figures;
asserts nothing.

    .venv/bin/python benchmarks/annual_report.py                      # SQLite
    .venv/bin/python benchmarks/annual_report.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/bench_report
    .venv/bin/python benchmarks/annual_report.py --database-url … --reuse

The city: the roster (through the roster import), the bundled curriculum,
attempts over two fiscal years with the lesson views that go with them,
results imported from another system, training attendance in four
categories, and a staff survey for each year (through the survey import).
Bulk rows are written with Core ``insert()``. The database is emptied first
(it must be one made for this) unless ``--reuse`` finds a city of the same
size already there.
"""

import argparse
import csv
import io
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

FISCAL_YEAR = 2026
TITLES = ["部長", "課長", "課長補佐", "係長", "主任", "主査", "主事", "主事", "技師", "主幹"]
UNITS = [
    f"{d}部{s}課"
    for d in ("総務", "企画", "市民", "福祉", "建設", "環境", "教育")
    for s in ("第一", "第二", "第三", "第四", "第五", "第六")
]
QUESTIONS = [
    ("Q1 業務でデジタルツールを使う頻度", ["毎日", "週に数回", "月に数回", "ほとんど使わない"]),
    ("Q5 デジタルツールやデータで業務の仕組みを改善した経験", ["ある", "ない"]),
    (
        "Q8 企画や評価でEBPMやKPI分析を活用している",
        ["活用している", "ときどき活用している", "活用していない"],
    ),
    ("Q10 生成AIを業務で使ったことがある", ["ある", "ない", "わからない"]),
]
COURSES = [
    ("Excelで始めるデータ分析", "データ分析"),
    ("生成AIの安全な使い方", "生成AI"),
    ("ノーコードで作るオンライン申請", "デジタルツール"),
    ("情報セキュリティ研修", "情報セキュリティ"),
]


def timed(label, func, repeat=1):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    extra = f" (median of {repeat}: {statistics.median(times) * 1000:.0f} ms)" if repeat > 1 else ""
    print(f"  {label:<44} {min(times) * 1000:>9.0f} ms{extra}")
    return result


def roster_csv(n: int, rng: random.Random) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["職員番号", "氏名", "所属", "職名", "在籍"])
    for i in range(n):
        writer.writerow(
            [f"{100000 + i}", f"職員 {i}", rng.choice(UNITS), rng.choice(TITLES), "在籍"]
        )
    return buffer.getvalue().encode("utf-8")


def survey_csv(staff_numbers: list[str], rng: random.Random) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["職員番号", *(q for q, _ in QUESTIONS), "Q12 自由記述"])
    weights = [(3, 4, 2, 1), (4, 6), (2, 3, 5), (4, 5, 1)]
    for staff_no in rng.sample(staff_numbers, k=int(len(staff_numbers) * 0.8)):
        answers = [
            "" if rng.random() < 0.05 else rng.choices(options, w)[0]
            for (_, options), w in zip(QUESTIONS, weights, strict=True)
        ]
        comment = f"意見 {staff_no}" if rng.random() < 0.3 else ""
        writer.writerow([staff_no, *answers, comment])
    return buffer.getvalue().encode("utf-8")


def seed(db, args, rng: random.Random) -> None:
    from skillapp import PROJECT_ROOT
    from skillapp.assessment.models import Attempt, ExternalResult
    from skillapp.auth.models import User
    from skillapp.authoring.sync import sync_content_dir
    from skillapp.learning.models import LessonView, Module
    from skillapp.roster import importing
    from skillapp.surveys.importing import apply_survey, plan_survey
    from skillapp.training.models import TrainingAttendance, TrainingSession

    sync_content_dir(db.session, PROJECT_ROOT / "content" / "modules")
    db.session.commit()

    data = roster_csv(args.staff, rng)

    def import_roster():
        rows, problems = importing.parse_roster(data)
        assert not problems
        plan = importing.plan_import(db.session, rows, as_of=date(FISCAL_YEAR - 1, 4, 1))
        importing.apply_import(
            db.session, plan, file_name="bench.csv", data=data, issue_passwords=False
        )
        db.session.commit()

    timed(f"roster import, {args.staff:,} staff", import_roster)

    users = db.session.execute(select(User.id, User.staff_id)).all()
    modules = [
        (m.id, m.current_version_id, [lesson.key for lesson in m.current_version.lessons])
        for m in db.session.scalars(select(Module))
    ]
    first = datetime(FISCAL_YEAR - 1, 4, 1, tzinfo=UTC)
    last = datetime.now(UTC) - timedelta(days=1)
    span = int((last - first).total_seconds() // 60)

    def attempts_and_views():
        attempts, views, count = [], [], 0
        for user_id, _staff_id in users:
            diligence = rng.random()
            for module_id, version_id, lessons in modules:
                if rng.random() > diligence:
                    continue
                at = first + timedelta(minutes=rng.randint(0, span))
                for lesson in lessons:
                    views.append(
                        {
                            "user_id": user_id,
                            "module_id": module_id,
                            "lesson_key": lesson,
                            "viewed_at": at - timedelta(hours=1),
                        }
                    )
                for number in range(1, 2 + (rng.random() < 0.4)):
                    score = rng.randint(30, 100)
                    attempts.append(
                        {
                            "user_id": user_id,
                            "module_id": module_id,
                            "version_id": version_id,
                            "number": number,
                            "status": "submitted",
                            "started_at": at,
                            "submitted_at": at + timedelta(minutes=5 * number),
                            "question_ids": [],
                            "option_orders": {},
                            "score": score,
                            "passed": score >= 70,
                            "earned_weight": score,
                            "total_weight": 100,
                            "timed_out": False,
                        }
                    )
                    count += 1
                if len(attempts) >= 20_000:
                    db.session.execute(insert(Attempt), attempts)
                    attempts = []
                if len(views) >= 20_000:
                    db.session.execute(insert(LessonView), views)
                    views = []
        for table, rows in ((Attempt, attempts), (LessonView, views)):
            if rows:
                db.session.execute(insert(table), rows)
        db.session.commit()
        return count

    count = timed("attempts and lesson views (setup)", attempts_and_views)
    print(f"    attempts {count:,}")

    dx = db.session.scalar(select(Module.id).where(Module.slug == "dx-literacy"))
    staff_ids = [staff_id for _, staff_id in users]
    results = [
        {
            "staff_id": staff_id,
            "module_id": dx,
            "score": float(rng.choice([55, 62, 68, 70, 74, 81, 88, 93])),
            "taken_at": first + timedelta(minutes=rng.randint(0, span)),
        }
        for staff_id in rng.sample(staff_ids, k=len(staff_ids) // 5)
    ]
    db.session.execute(insert(ExternalResult), results)

    attendance = 0
    for year in (FISCAL_YEAR - 1, FISCAL_YEAR):
        for name, category in COURSES:
            for n in range(6):
                held_on = date(year, 5 + n, 10)
                session_id = db.session.execute(
                    insert(TrainingSession)
                    .values(name=f"{name} 第{n + 1}回", held_on=held_on, category=category)
                    .returning(TrainingSession.id)
                ).scalar_one()
                people = rng.sample(staff_ids, k=rng.randint(30, 120))
                db.session.execute(
                    insert(TrainingAttendance),
                    [{"session_id": session_id, "staff_id": s} for s in people],
                )
                attendance += len(people)
    db.session.commit()
    print(f"    imported results {len(results):,}; training attendances {attendance:,}")

    numbers = [f"{100000 + i}" for i in range(args.staff)]
    mapping = {
        "staff_no_column": "職員番号",
        "grade_column": "",
        "grade_values": {},
        "indicators": {
            "improvement_experience": {"column": QUESTIONS[1][0], "positive": ["ある"]},
            "ebpm_practice": {
                "column": QUESTIONS[2][0],
                "positive": ["活用している", "ときどき活用している"],
            },
        },
    }
    for year in (FISCAL_YEAR - 1, FISCAL_YEAR):
        data = survey_csv(numbers, rng)

        def load(data=data, year=year):
            plan = plan_survey(db.session, data, fiscal_year=year, mapping=mapping)
            assert not plan.problems, plan.problems[:3]
            apply_survey(db.session, plan, file_name=f"survey-{year}.csv", data=data)
            db.session.commit()
            return plan

        plan = timed(f"survey import FY{year} (setup)", load)
        print(f"    respondents {plan.counts['new']:,}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--staff", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--reuse", action="store_true", help="keep a city of the same size already seeded"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="skillapp-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"

    from flask_migrate import upgrade

    from skillapp import PROJECT_ROOT, create_app
    from skillapp.extensions import db
    from skillapp.roster.models import Staff

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    rng = random.Random(1)
    with app.app_context():
        reuse = False
        if args.reuse:
            try:
                reuse = db.session.scalar(select(func.count()).select_from(Staff)) == args.staff
            except Exception:  # noqa: BLE001 — no schema yet
                db.session.rollback()
        print(f"database: {db.engine.dialect.name}; staff {args.staff:,}")
        if reuse:
            print("reusing the city already in the database")
        else:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            seed(db, args, rng)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()

        from skillapp.metrics.annual import annual_report_data, report_years
        from skillapp.metrics.indicators import compute_indicators
        from skillapp.metrics.queries import completion_by_band
        from skillapp.pdf.annual import annual_report_pdf
        from skillapp.pdf.fonts import register_fonts
        from skillapp.surveys.queries import survey_distributions
        from skillapp.training.queries import training_by_category

        register_fonts()  # once per process; not part of a report
        session = db.session
        year = FISCAL_YEAR
        print(f"parts of the data, FY{year}:")
        timed("compute_indicators (one year)", lambda: compute_indicators(session, year), 3)
        timed("report_years", lambda: report_years(session, year), 3)
        timed("completion_by_band", lambda: completion_by_band(session, year), 3)
        timed("survey_distributions", lambda: survey_distributions(session, year), 3)
        timed("training_by_category", lambda: training_by_category(session, year), 3)
        print("the report:")
        report = timed(
            "annual_report_data (every query)",
            lambda: annual_report_data(session, year),
            args.repeat,
        )
        created = datetime.now(UTC)
        data = timed(
            "annual_report_pdf (render)",
            lambda: annual_report_pdf(report, city_name="ベンチ市", created=created),
            args.repeat,
        )
        output = workdir / f"annual-report-FY{year}.pdf"
        output.write_bytes(data)
        pages = len(re.findall(rb"/Type /Page\b(?!s)", data))
        print(f"    {len(data):,} bytes, {pages} pages, trend years {', '.join(report.years)}")
        print(f"    written to {output}")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
