"""Benchmark: rendering certificates (修了証) and report tables as PDF. Prints
figures; asserts nothing.

    .venv/bin/python benchmarks/certificate_pdf.py
    .venv/bin/python benchmarks/certificate_pdf.py --certificates 200 --rows 10000

1. certificate_pdf alone: the first call (which loads the font) and then many
   certificates with different names and titles.
2. The whole download through the app (test client, a SQLite file in a
   temporary folder): the first request issues the certificate, later ones
   render the stored one again.
3. table_pdf for the dashboard's not-yet list, at several sizes.
"""

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

FAMILY = ["髙橋", "山﨑", "佐藤", "鈴木", "渡邊", "齋藤", "伊藤", "中村"]
GIVEN = ["一郎", "花子", "健太", "美咲", "翔", "陽菜"]
UNITS = ["総務部総務課", "市民部市民課", "福祉部高齢者支援課地域包括ケア推進係"]
TITLES = [
    "行動原則・マインドセット",
    "AIガバナンスの基礎：生成AIを業務で安全に使うために",
    "EBPM入門",
    "DXリテラシー確認テスト",
]


def report(label: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    print(
        f"  {label:<44} n={len(ms):<5} median {statistics.median(ms):7.1f} ms"
        f"   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms"
    )


def bench_render(n: int, rng: random.Random) -> None:
    from skillapp.pdf.certificate import CertificateData, certificate_pdf

    def data(i: int) -> CertificateData:
        code = "".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(16))
        printed = "-".join(code[j : j + 4] for j in range(0, 16, 4))
        return CertificateData(
            city="デモ市",
            number=f"2026-{i:06d}",
            name=f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
            department=f"総務部{rng.choice(['デジタル推進課', '人事課', '市民課'])}",
            title=rng.choice(TITLES),
            is_assessment=i % 4 == 3,
            score=rng.randint(70, 100),
            completed_on=date(2026, 4, 1) + timedelta(days=rng.randint(0, 300)),
            issued_at=datetime(2026, 11, 22, 5, 0, tzinfo=UTC),
            code=printed,
            verify_url=f"https://skillapp.city.example.lg.jp/certificates/verify/{printed}",
        )

    print("certificate_pdf (pure rendering):")
    start = time.perf_counter()
    size = len(certificate_pdf(data(0)))
    report("first certificate (loads the font)", [time.perf_counter() - start])
    times = []
    for i in range(1, n + 1):
        item = data(i)
        start = time.perf_counter()
        certificate_pdf(item)
        times.append(time.perf_counter() - start)
    report("each further certificate", times)
    print(f"    size of one certificate: {size / 1024:.0f} KiB")


def bench_download(n: int, workdir: Path) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import update

    from skillapp import PROJECT_ROOT, create_app
    from skillapp.assessment import services as attempts
    from skillapp.assessment.models import Question
    from skillapp.auth.models import User
    from skillapp.authoring.sync import sync_content_dir
    from skillapp.extensions import db
    from skillapp.learning.models import LessonView, Module
    from skillapp.learning.services import published_modules, record_lesson_view
    from skillapp.roster.services import StaffInput, upsert_staff

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
            "SECRET_KEY": "bench",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        sync_content_dir(db.session, PROJECT_ROOT / "content" / "modules")
        db.session.commit()
        module: Module = next(m for m in published_modules(db.session) if not m.is_assessment)
        staff = upsert_staff(
            db.session,
            StaffInput(staff_no="B0001", name="髙橋 一郎", department="総務部", job_title="主事"),
        )
        from skillapp.auth.passwords import hash_password

        user = User(staff=staff, password_hash=hash_password("bench-password-1"))
        user.must_change_password = False
        db.session.add(user)
        db.session.commit()
        for lesson in module.current_version.lessons:
            record_lesson_view(db.session, user.id, module, lesson.key)
        db.session.execute(update(LessonView).values(viewed_at=datetime(2026, 5, 1, tzinfo=UTC)))
        attempt = attempts.start_attempt(db.session, user.id, module)
        sheet = {
            q.id: list(q.correct_keys)
            for q in db.session.query(Question).filter(Question.id.in_(attempt.question_ids))
        }
        attempts.submit_attempt(db.session, attempt.id, user.id, answers=sheet)
        db.session.commit()
        slug = module.slug

    client = app.test_client()
    client.post("/login", data={"staff_no": "B0001", "password": "bench-password-1"})
    print(f"download through the app (SQLite, module {slug}):")
    start = time.perf_counter()
    response = client.get(f"/modules/{slug}/certificate.pdf")
    assert response.status_code == 200, response.status_code
    report("first download (issues the certificate)", [time.perf_counter() - start])
    times = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(f"/modules/{slug}/certificate.pdf")
        times.append(time.perf_counter() - start)
    report("repeat download (renders it again)", times)
    with app.app_context():
        db.engine.dispose()


def bench_tables(sizes: list[int], rng: random.Random) -> None:
    from skillapp.pdf.table import table_pdf

    print("table_pdf (the not-yet list):")
    headers = ["職員番号", "氏名", "所属", "職層", "最高点"]
    for n in sizes:
        rows = [
            [
                f"{100000 + i}",
                f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
                rng.choice(UNITS),
                rng.choice(["部長・課長", "課長代理・係長・主任", "主査・主事"]),
                rng.choice(["", 40, 55, 69]),
            ]
            for i in range(n)
        ]
        start = time.perf_counter()
        data = table_pdf("未修了の職員 — DXリテラシー", ["年度：2026年度"], headers, rows)
        seconds = time.perf_counter() - start
        print(f"  {n:>6,} rows   {seconds * 1000:8.0f} ms   {len(data) / 1024:7.0f} KiB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=100)
    parser.add_argument("--downloads", type=int, default=20)
    parser.add_argument("--rows", type=int, default=2000, help="largest table")
    args = parser.parse_args()
    rng = random.Random(1)
    bench_render(args.certificates, rng)
    with tempfile.TemporaryDirectory(prefix="skillapp-bench-") as workdir:
        bench_download(args.downloads, Path(workdir))
    bench_tables(sorted({100, min(500, args.rows), args.rows}), rng)


if __name__ == "__main__":
    main()
