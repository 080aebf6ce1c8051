"""Benchmark: a 100,000-row roster import and the dashboard queries over
100,000 staff and 1,000,000 attempts. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/roster_dashboard.py                      # SQLite
    .venv/bin/python benchmarks/roster_dashboard.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/bench

The database is emptied first (it must be one made for this). ``--reuse`` skips
building the data and times the queries on what an earlier run left behind;
``--explain`` prints each query's plan. See docs/benchmarks.md for figures.

The data: the roster as of 1 April (imported through the real import), then the
autumn personnel changes as of 1 October (10% change department or title, 1%
leave), 1,000,000 attempts spread over FY2026 across every module and the
assessment (2% still in progress), and the lesson views of everyone who took a
module's quiz (90% read every lesson, the others only some); module_progress is
then filled from them as the migration would.
"""

import argparse
import csv
import io
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

TITLES = ["部長", "課長", "課長補佐", "係長", "主任", "主査", "主事", "主事", "技師", "主幹"]
UNITS = [
    f"{d}部{s}課"
    for d in ("総務", "企画", "市民", "福祉", "建設", "環境", "教育")
    for s in ("第一", "第二", "第三", "第四", "第五", "第六")
]
HEADER = ["職員番号", "氏名", "所属", "職名", "雇用区分", "在籍"]


def roster_people(n: int, rng: random.Random) -> list[list[str]]:
    return [
        [f"{100000 + i}", f"職員 {i}", rng.choice(UNITS), rng.choice(TITLES), "正規", "在籍"]
        for i in range(n)
    ]


def personnel_changes(people: list[list[str]], rng: random.Random) -> list[list[str]]:
    """The October roster: 10% move or change title, 1% leave."""
    changed = []
    for row in people:
        row = list(row)
        draw = rng.random()
        if draw < 0.05:
            row[2] = rng.choice(UNITS)
        elif draw < 0.10:
            row[3] = rng.choice(TITLES)
        elif draw < 0.11:
            row[5] = "退職"
        changed.append(row)
    return changed


def to_cp932_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("cp932")


def roster_csv(n: int, rng: random.Random) -> bytes:
    return to_cp932_csv(roster_people(n, rng))


def timed(label, func, repeat=1):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    best = min(times)
    extra = f" (median of {repeat}: {statistics.median(times) * 1000:.0f} ms)" if repeat > 1 else ""
    print(f"  {label:<44} {best * 1000:>9.0f} ms{extra}", flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--attempts", type=int, default=1_000_000)
    parser.add_argument(
        "--reuse", action="store_true", help="time the queries on the data already there"
    )
    parser.add_argument("--explain", action="store_true", help="print each query's plan")
    args = parser.parse_args()
    if args.reuse and not args.database_url:
        parser.error("--reuse needs --database-url")
    workdir = Path(tempfile.mkdtemp(prefix="skillapp-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"

    from skillapp import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        from skillapp.extensions import db

        if not args.reuse:
            build(db, args)
        run_queries(db, explain=args.explain)
        db.session.remove()
        db.engine.dispose()


def build(db, args):
    from flask_migrate import upgrade

    from skillapp import PROJECT_ROOT
    from skillapp.authoring.sync import sync_content_dir
    from skillapp.roster import importing

    rng = random.Random(1)
    db.drop_all()
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()
    upgrade(directory=str(PROJECT_ROOT / "migrations"))
    print(f"database: {db.engine.dialect.name}; staff {args.staff:,}; attempts {args.attempts:,}")
    sync_content_dir(db.session, PROJECT_ROOT / "content" / "modules")
    db.session.commit()

    people = roster_people(args.staff, rng)
    april = to_cp932_csv(people)
    october = to_cp932_csv(personnel_changes(people, rng))

    def do_import(data, as_of):
        def run():
            rows, problems = importing.parse_roster(data)
            assert not problems
            plan = importing.plan_import(db.session, rows, as_of=as_of)
            importing.apply_import(db.session, plan, file_name="bench.csv", data=data)
            db.session.commit()
            return plan

        return run

    print("roster import (CP932 CSV, new accounts with first passwords):")
    timed("parse", lambda: importing.parse_roster(april))
    if db.engine.dialect.name == "postgresql":
        # Start the timed writes from a clean slate, as pgbench does: otherwise a
        # checkpoint of the schema just built may land in the middle of them.
        db.session.execute(text("CHECKPOINT"))
        db.session.commit()
    plan = timed("parse + plan + write + commit", do_import(april, date(2026, 4, 1)))
    print(f"    new {len(plan.new):,}")
    again = timed("same file again (nothing changes)", do_import(april, date(2026, 4, 1)))
    print(f"    unchanged {again.unchanged:,}")
    autumn = timed("personnel changes as of 1 October", do_import(october, date(2026, 10, 1)))
    print(f"    changed {len(autumn.changed):,}")

    from skillapp.assessment.models import Attempt
    from skillapp.auth.models import User
    from skillapp.learning.models import Lesson, LessonView, Module

    users = db.session.scalars(select(User.id)).all()
    modules = db.session.execute(select(Module.id, Module.current_version_id, Module.kind)).all()
    lesson_keys = {
        module_id: db.session.scalars(
            select(Lesson.key).where(Lesson.version_id == version_id).order_by(Lesson.position)
        ).all()
        for module_id, version_id, kind in modules
        if kind == "module"
    }
    start = datetime(2026, 4, 1, tzinfo=UTC)
    took: dict[tuple[int, int], datetime] = {}

    def make_attempts():
        batch = []
        for _ in range(args.attempts):
            module_id, version_id, _kind = rng.choice(modules)
            user_id = rng.choice(users)
            at = start + timedelta(minutes=rng.randint(0, 360 * 24 * 60))
            score = rng.randint(20, 100)
            done = rng.random() >= 0.02
            if done:
                took.setdefault((user_id, module_id), at)
            batch.append(
                {
                    "user_id": user_id,
                    "module_id": module_id,
                    "version_id": version_id,
                    "number": 1,
                    "status": "submitted" if done else "in_progress",
                    "started_at": at,
                    "deadline_at": None,
                    "submitted_at": at if done else None,
                    "question_ids": [],
                    "option_orders": {},
                    "score": score if done else None,
                    "passed": score >= 70 if done else None,
                    "earned_weight": score if done else None,
                    "total_weight": 100 if done else None,
                    "timed_out": False,
                }
            )
            if len(batch) == 20_000:
                db.session.execute(insert(Attempt.__table__), batch)
                batch = []
        if batch:
            db.session.execute(insert(Attempt.__table__), batch)
        db.session.commit()

    def make_lesson_views():
        batch = []
        for (user_id, module_id), at in took.items():
            keys = lesson_keys.get(module_id)
            if not keys:
                continue
            if rng.random() >= 0.9:
                keys = keys[: rng.randint(1, len(keys) - 1)] if len(keys) > 1 else []
            for key in keys:
                batch.append(
                    {
                        "user_id": user_id,
                        "module_id": module_id,
                        "lesson_key": key,
                        "viewed_at": at - timedelta(hours=1),
                    }
                )
            if len(batch) >= 20_000:
                db.session.execute(insert(LessonView.__table__), batch)
                batch = []
        if batch:
            db.session.execute(insert(LessonView.__table__), batch)
        db.session.commit()

    timed(f"insert {args.attempts:,} attempts (setup)", make_attempts)
    timed("insert lesson views (setup)", make_lesson_views)

    def fill_progress():
        # The rows above went in around the services: compute module_progress
        # from them the way the migration fills it.
        from skillapp.metrics.progress import refresh_all_progress

        refresh_all_progress(db.session)
        db.session.commit()

    timed("fill module_progress (setup)", fill_progress)
    print(f"    lesson views {db.session.scalar(select(func.count()).select_from(LessonView)):,}")
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does soon after a load: statistics, and the visibility
        # map that index-only scans need. SQLite is left without statistics, as
        # the app leaves it.
        timed("VACUUM ANALYZE", lambda: vacuum_analyze(db))
    # Changes on a database with a year of progress (and, on PostgreSQL, the
    # statistics autovacuum keeps): the changed people's rows move to their new
    # place on the roster.
    november = to_cp932_csv(personnel_changes(people, random.Random(7)))
    changes = timed("personnel changes as of 1 November", do_import(november, date(2026, 11, 1)))
    print(f"    changed {len(changes.changed):,}, with their progress rows")


def vacuum_analyze(db):
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def run_queries(db, *, explain=False):
    from skillapp.learning.models import Module
    from skillapp.metrics import queries

    dx = db.session.scalar(select(Module.id).where(Module.slug == "dx-literacy"))
    module = db.session.scalar(select(Module.id).where(Module.slug == "ai-governance"))
    cases = [
        ("completion and pass rate by grade", lambda: queries.completion_by_band(db.session, 2026)),
        (
            "one module by department",
            lambda: queries.completion_by_department(db.session, 2026, module),
        ),
        (
            "one assessment by department",
            lambda: queries.completion_by_department(db.session, 2026, dx),
        ),
        (
            "not-yet list, staff grade, first 500",
            lambda: queries.not_yet_done(db.session, 2026, module, band="staff", limit=500),
        ),
        (
            "not-yet list, assessment, staff grade, 500",
            lambda: queries.not_yet_done(db.session, 2026, dx, band="staff", limit=500),
        ),
        ("passes by month", lambda: queries.monthly_progress(db.session, 2026, dx)),
    ]
    print(f"dashboard queries, FY2026 ({db.engine.dialect.name}):")
    for label, run in cases:
        if explain:
            print_plans(db, run)
        timed(label, run, repeat=5)


def print_plans(db, run):
    """Run once, printing the plan of every SELECT it sends."""
    from sqlalchemy import event

    dialect = db.engine.dialect.name
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    raw = db.session.connection().connection.driver_connection
    for statement, parameters in captured:
        print("-" * 78)
        print(statement)
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        for row in cursor.fetchall():
            print("   ", " | ".join(str(v) for v in row))
        cursor.close()


if __name__ == "__main__":
    main()
