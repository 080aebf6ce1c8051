"""Benchmark: a 100,000-row roster import and the dashboard queries over
100,000 staff and 1,000,000 attempts. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/roster_dashboard.py                      # SQLite
    .venv/bin/python benchmarks/roster_dashboard.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/skillapp_bench

The database is emptied first (it must be one made for this).
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

from sqlalchemy import insert, select, text


def roster_csv(n: int, rng: random.Random) -> bytes:
    titles = ["部長", "課長", "課長補佐", "係長", "主任", "主査", "主事", "主事", "技師", "主幹"]
    units = [
        f"{d}部{s}課"
        for d in ("総務", "企画", "市民", "福祉", "建設", "環境", "教育")
        for s in ("第一", "第二", "第三", "第四", "第五", "第六")
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["職員番号", "氏名", "所属", "職名", "雇用区分", "在籍"])
    for i in range(n):
        writer.writerow(
            [f"{100000 + i}", f"職員 {i}", rng.choice(units), rng.choice(titles), "正規", "在籍"]
        )
    return buffer.getvalue().encode("cp932")


def timed(label, func, repeat=1):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    best = min(times)
    extra = f" (median of {repeat}: {statistics.median(times) * 1000:.0f} ms)" if repeat > 1 else ""
    print(f"  {label:<44} {best * 1000:>9.0f} ms{extra}")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--attempts", type=int, default=1_000_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="skillapp-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"

    from flask_migrate import upgrade

    from skillapp import PROJECT_ROOT, create_app
    from skillapp.extensions import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    rng = random.Random(1)
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        print(
            f"database: {db.engine.dialect.name}; staff {args.staff:,}; attempts {args.attempts:,}"
        )

        from skillapp.authoring.sync import sync_content_dir
        from skillapp.roster import importing

        sync_content_dir(db.session, PROJECT_ROOT / "content" / "modules")
        db.session.commit()

        data = roster_csv(args.staff, rng)

        def do_import():
            rows, problems = importing.parse_roster(data)
            assert not problems
            plan = importing.plan_import(db.session, rows, as_of=date(2026, 4, 1))
            importing.apply_import(db.session, plan, file_name="bench.csv", data=data)
            db.session.commit()
            return plan

        print("roster import (CP932 CSV, new accounts with first passwords):")
        rows = timed("parse", lambda: importing.parse_roster(data))
        plan = timed("parse + plan + write + commit", do_import)
        print(f"    new {len(plan.new):,}")
        again = timed("same file again (nothing changes)", do_import)
        print(f"    unchanged {again.unchanged:,}")
        del rows

        from skillapp.assessment.models import Attempt
        from skillapp.auth.models import User
        from skillapp.learning.models import Module

        users = db.session.scalars(select(User.id)).all()
        modules = [(m.id, m.current_version_id) for m in db.session.scalars(select(Module))]
        start = datetime(2026, 4, 1, tzinfo=UTC)

        def make_attempts():
            batch = []
            for _ in range(args.attempts):
                module_id, version_id = rng.choice(modules)
                at = start + timedelta(minutes=rng.randint(0, 330 * 24 * 60))
                score = rng.randint(20, 100)
                batch.append(
                    {
                        "user_id": rng.choice(users),
                        "module_id": module_id,
                        "version_id": version_id,
                        "number": 1,
                        "status": "submitted",
                        "started_at": at,
                        "submitted_at": at,
                        "question_ids": [],
                        "option_orders": {},
                        "score": score,
                        "passed": score >= 70,
                        "earned_weight": score,
                        "total_weight": 100,
                        "timed_out": False,
                    }
                )
                if len(batch) == 20_000:
                    db.session.execute(insert(Attempt), batch)
                    batch = []
            if batch:
                db.session.execute(insert(Attempt), batch)
            db.session.commit()

        timed(f"insert {args.attempts:,} attempts (setup)", make_attempts)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()

        from skillapp.metrics import queries

        dx = db.session.scalar(select(Module.id).where(Module.slug == "dx-literacy"))
        print("dashboard queries, FY2026:")
        timed(
            "completion and pass rate by grade",
            lambda: queries.completion_by_band(db.session, 2026),
            repeat=5,
        )
        timed(
            "one module by department",
            lambda: queries.completion_by_department(db.session, 2026, dx),
            repeat=5,
        )
        timed(
            "not-yet list, staff grade, first 500",
            lambda: queries.not_yet_done(db.session, 2026, dx, band="staff", limit=500),
            repeat=5,
        )
        timed("passes by month", lambda: queries.monthly_progress(db.session, 2026, dx), repeat=5)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
