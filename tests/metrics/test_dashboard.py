"""The completion dashboard against a small hand-computed fixture.

Fixture, FY2026 (roster as it stands on 31 March 2027):
  management: M1 (passed 80, all lessons read), M2 (nothing)            → N = 2
  supervisor: S1 (passed 70 but read one lesson of two)                 → N = 1
  staff:      T1 (69 only), T2 (40 then 100), T3 (inactive, passed)     → N = 2
  unclassified: U1 (主幹, passed)                                       → only in "all"
  OTHER: passed in FY2025 only (2026-03-31T23:59:59+09:00)              → staff, N counts
So for FY2026: staff N = 3 (T1, T2, OTHER), all N = 7.
"""

import pytest

from skillapp.extensions import db
from skillapp.learning.services import record_lesson_view
from skillapp.metrics import queries
from tests.helpers import take, two_choice_questions


@pytest.fixture
def fixture(make_user, make_module):
    module = make_module("m", questions=two_choice_questions())
    lessons = [lesson.key for lesson in module.current_version.lessons]
    people = {
        "M1": make_user("M1", job_title="課長", department="総務部総務課"),
        "M2": make_user("M2", job_title="部長", department="総務部総務課"),
        "S1": make_user("S1", job_title="係長", department="市民部市民課"),
        "T1": make_user("T1", job_title="主事", department="市民部市民課"),
        "T2": make_user("T2", job_title="主事", department="総務部総務課"),
        "T3": make_user("T3", job_title="主事", department="総務部総務課", is_active=False),
        "U1": make_user("U1", job_title="主幹", department="市民部市民課"),
        "OTHER": make_user("OTHER", job_title="技師", department="市民部市民課"),
    }
    for name in ("M1", "T2", "T3", "U1", "OTHER"):
        for key in lessons:
            record_lesson_view(db.session, people[name].id, module, key)
    record_lesson_view(db.session, people["S1"].id, module, lessons[0])
    record_lesson_view(db.session, people["T1"].id, module, lessons[0])
    record_lesson_view(db.session, people["T1"].id, module, lessons[1])
    db.session.commit()
    take(people["M1"], module, "2026-05-01T10:00:00+09:00", right=8)
    take(people["S1"], module, "2026-06-01T10:00:00", right=7)
    take(people["T1"], module, "2026-06-01T10:00:00+09:00", right=6)
    take(people["T2"], module, "2026-06-02T10:00:00+09:00", right=4)
    take(people["T2"], module, "2027-03-31T14:59:59Z", right=10)  # 23:59:59 JST
    take(people["T3"], module, "2026-07-01T10:00:00+09:00", right=10)
    take(people["U1"], module, "2026-07-01T10:00:00+09:00", right=10)
    take(people["OTHER"], module, "2026-03-31T23:59:59+09:00", right=10)
    return module, people


def rates(rows, slug):
    row = next(r for r in rows if r.slug == slug)

    def view(d):
        return {k: (v.numerator, v.denominator) for k, v in d.items()}

    return view(row.completed), view(row.passed)


def test_completion_and_pass_by_band(fixture):
    completed, passed = rates(queries.completion_by_band(db.session, 2026), "m")
    assert passed == {"management": (1, 2), "supervisor": (1, 1), "staff": (1, 3), "all": (4, 7)}
    # S1 passed but has not read every lesson: passed, not completed.
    assert completed == {"management": (1, 2), "supervisor": (0, 1), "staff": (1, 3), "all": (3, 7)}


def test_the_previous_year(fixture):
    _, passed = rates(queries.completion_by_band(db.session, 2025), "m")
    # Nobody was on the roster before today except through their history rows,
    # which start today: the FY2025 population is empty, so no rate, never 0%.
    assert passed["all"][1] == 0
    row = next(r for r in queries.completion_by_band(db.session, 2025) if r.slug == "m")
    assert row.passed["all"].percent is None


def test_by_department(fixture):
    module, _ = fixture
    rows = {
        r.name: (r.completed.numerator, r.passed.numerator, r.passed.denominator)
        for r in queries.completion_by_department(db.session, 2026, module.id)
    }
    assert rows == {"総務部総務課": (2, 2, 3), "市民部市民課": (1, 2, 4)}


def test_not_yet_done_with_filters(fixture):
    module, _ = fixture
    everyone = [p.staff_no for p in queries.not_yet_done(db.session, 2026, module.id)]
    assert sorted(everyone) == ["M2", "OTHER", "S1", "T1"]
    staff = queries.not_yet_done(db.session, 2026, module.id, band="staff")
    assert sorted((p.staff_no, p.best) for p in staff) == [("OTHER", None), ("T1", 60)]
    unclassified = queries.not_yet_done(db.session, 2026, module.id, band="unclassified")
    assert unclassified == []


def test_scope_limits_to_one_unit(fixture):
    from sqlalchemy import select

    from skillapp.roster.models import Department

    section = db.session.scalar(select(Department).where(Department.name == "総務部総務課"))
    scope = queries.Scope(department_ids=(section.id,))
    _, passed = rates(queries.completion_by_band(db.session, 2026, scope), "m")
    assert passed["all"] == (2, 3)


def test_manager_sees_own_unit_only_and_learner_gets_403(client, login, fixture):
    _, people = fixture
    login(people["M1"])  # 課長 of 総務部総務課
    page = client.get("/hr/dashboard/m").get_data(as_text=True)
    assert "総務部総務課" in page and "市民部市民課" not in page
    assert client.get("/hr/dashboard/m?department=999").status_code == 403
    client.post("/logout")
    login(people["T1"])
    assert client.get("/hr/dashboard").status_code == 403
    assert client.get("/hr/dashboard/m/pending.csv").status_code == 403


def test_exports_carry_context_and_are_safe(client, login, make_user, fixture):
    from skillapp.roster.services import StaffInput, upsert_staff

    upsert_staff(
        db.session,
        StaffInput(
            staff_no="EVIL", name='=HYPERLINK("x")', department="総務部総務課", job_title="主事"
        ),
    )
    db.session.commit()
    login(make_user(roles=["hr"]))
    response = client.get("/hr/dashboard/m/pending.csv?fy=2026&band=staff")
    assert response.status_code == 200
    text = response.get_data().decode("utf-8-sig")
    assert "2026年度（令和8年度）" in text
    assert "'=HYPERLINK" in text
    cp932 = client.get("/hr/dashboard/m/pending.csv?fy=2026&encoding=cp932")
    assert "職員番号" in cp932.get_data().decode("cp932")
    xlsx = client.get("/hr/dashboard/m/pending.xlsx?fy=2026")
    assert xlsx.data[:2] == b"PK"


def test_pending_list_as_pdf(client, login, make_user, fixture, poppler):
    make_user("YZ1", name="山﨑 花子", job_title="主事", department="総務部総務課")
    make_user("TK1", name="髙橋 一郎", job_title="係長", department="市民部市民課")
    login(make_user(roles=["hr"]))
    response = client.get("/hr/dashboard/m/pending.pdf?fy=2026&band=staff")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "not-yet-m-FY2026.pdf" in response.headers["Content-Disposition"]
    text = poppler.text(response.data)
    # The context: fiscal year, roster day, module and both filters.
    as_of = queries.as_of_day(2026).isoformat()
    for expected in ("2026年度（令和8年度）", as_of, "テスト m", "主査・主事", "職員番号"):
        assert expected in text, expected
    assert "山﨑 花子" in text and "YZ1" in text
    assert "髙橋 一郎" not in text  # a 係長: filtered out by the band
    assert len(poppler.render(response.data)) == poppler.pages(response.data)
    info = poppler.info(response.data)
    assert info["Author"] == "テスト市" and "テスト m" in info["Title"]
    everyone = poppler.text(client.get("/hr/dashboard/m/pending.pdf?fy=2026").data)
    assert "髙橋 一郎" in everyone


def test_unknown_export_format_is_404_and_learners_get_403(client, login, make_user, fixture):
    login(make_user(roles=["hr"]))
    assert client.get("/hr/dashboard/m/pending.docx").status_code == 404
    client.post("/logout")
    login(make_user())
    assert client.get("/hr/dashboard/m/pending.pdf").status_code == 403


def test_passes_by_month_in_japan_time(fixture, make_user):
    module, _ = fixture
    series = dict(queries.monthly_progress(db.session, 2026, module.id))
    # M1 in May, S1 in June, U1 in July, T2 at 23:59:59 JST on 31 March; T3 has
    # left and OTHER passed in FY2025.
    assert list(series.values()) == [0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4]
    assert list(series)[0] == "4月" and list(series)[-1] == "3月"
    # Midnight at the start of 1 October in Japan is still 30 September in UTC.
    late = make_user("L1", job_title="主事")
    take(late, module, "2026-09-30T15:00:00Z", right=10)
    series = dict(queries.monthly_progress(db.session, 2026, module.id))
    assert (series["9月"], series["10月"]) == (3, 4)


def test_someone_without_an_account_is_counted_as_not_done(fixture):
    from skillapp.roster.services import StaffInput, upsert_staff

    module, _ = fixture
    upsert_staff(db.session, StaffInput("NOLOGIN", "名簿 のみ", "市民部市民課", "主事"))
    db.session.commit()
    _, passed = rates(queries.completion_by_band(db.session, 2026), "m")
    assert passed["staff"] == (1, 4) and passed["all"] == (4, 8)
    rows = {
        r.name: r.passed.denominator
        for r in queries.completion_by_department(db.session, 2026, module.id)
    }
    assert rows["市民部市民課"] == 5
    pending = queries.not_yet_done(db.session, 2026, module.id, band="staff")
    assert ("NOLOGIN", None) in [(p.staff_no, p.best) for p in pending]


def test_one_module_alone_matches_the_full_table_even_when_archived(fixture):
    module, _ = fixture
    full = next(r for r in queries.completion_by_band(db.session, 2026) if r.module_id == module.id)
    (alone,) = queries.completion_by_band(db.session, 2026, module_id=module.id)
    assert alone == full
    module.is_archived = True
    db.session.commit()
    assert all(r.module_id != module.id for r in queries.completion_by_band(db.session, 2026))
    (archived,) = queries.completion_by_band(db.session, 2026, module_id=module.id)
    assert archived.passed == full.passed


def test_results_from_another_system_count_like_attempts_taken_here(fixture, runner, tmp_path):
    module, _ = fixture
    # T1 scored 69 here; a 70.0 from the other system in FY2026 makes a pass.
    path = tmp_path / "results.csv"
    path.write_text(
        "職員番号,科目コード,点数,受験日時\nT1,m,70.0,2026-08-01T10:00:00+09:00\n"
        "M2,m,90,2026-03-31T23:59:59+09:00\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["results", "import", str(path)]).exit_code == 0
    _, passed = rates(queries.completion_by_band(db.session, 2026), "m")
    assert passed["staff"] == (2, 3)  # T2 and now T1; M2's 90 was in FY2025
    assert passed["management"] == (1, 2)
    # T1 had read every lesson: with the imported pass the module is complete.
    pending = [p.staff_no for p in queries.not_yet_done(db.session, 2026, module.id)]
    assert "T1" not in pending and "M2" in pending
    series = dict(queries.monthly_progress(db.session, 2026, module.id))
    assert (series["7月"], series["8月"]) == (3, 4)
