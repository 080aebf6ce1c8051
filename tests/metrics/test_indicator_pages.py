"""HR's indicators page and the targets and indicators HR edits in the browser.

The figures are those of the hand-built fixture of test_indicators (FY2026):
pass rate management 2/2, supervisor 0/1, staff 2/4; improvement experience
staff 2/3 of 4 respondents; EBPM management 1/1, supervisor 1/1, staff 1/2;
training 4 attendances by 3 people.
"""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from skillapp.audit.models import AuditEvent
from skillapp.extensions import db
from skillapp.metrics.indicators import compute_indicators
from skillapp.metrics.models import Indicator, IndicatorTarget
from tests.metrics.test_indicators import city, rows_of  # noqa: F401 — the fixture


def text_of(page: str) -> str:
    """The page as a reader sees it: tags out, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture
def hr(city, make_user, login):  # noqa: F811 — the imported fixture
    # A title in no grade: the HR officer counts in no grade's denominator.
    user = make_user("HR1", roles=["hr"], name="人事 担当", job_title="人事担当")
    login(user)
    return user


def indicator(code) -> Indicator:
    return db.session.scalar(select(Indicator).where(Indicator.code == code))


def section(page: str, code: str) -> str:
    start = page.index(f'id="indicator-{code}"')
    end = page.find('<section class="indicator"', start + 1)
    return text_of(page[start : end if end > 0 else None])


def test_each_indicator_by_grade_with_target_gap_and_n(client, hr):
    page = client.get("/hr/indicators?fy=2026").get_data(as_text=True)
    assert "2026年度（令和8年度）" in page
    passing = section(page, "assessment_pass_rate")
    # grade, actual, target, gap, achieved, n/N
    assert "部長・課長 100.0% 20% +80.0ポイント 達成 2/2" in passing
    assert "課長代理・係長・主任 0.0% 18% -18.0ポイント 未達成 0/1" in passing
    assert "主査・主事 50.0% 15% +35.0ポイント 達成 2/4" in passing
    improvement = section(page, "improvement_experience")
    # ... and for a survey indicator the respondents and the response rate.
    assert "主査・主事 66.7% 30% +36.7ポイント 達成 2/3 4 100.0%" in improvement
    assert "「Q5 改善した経験」" in improvement and "「ある」" in improvement
    ebpm = section(page, "ebpm_practice")
    assert "主査・主事 50.0% 22% +28.0ポイント 達成 1/2" in ebpm
    training = section(page, "training_participants")
    assert "全職員 4人 100人 -96人 未達成 3" in training
    # A chart of actual against target for each indicator, its figures in words.
    assert page.count('class="chart"') >= 4
    assert 'aria-label="実績と目標: 部長・課長 100.0% / 目標 20%' in page


def test_the_trend_shows_every_year_of_the_plan(client, hr):
    page = client.get("/hr/indicators?fy=2026").get_data(as_text=True)
    passing = section(page, "assessment_pass_rate")
    # FY2025 (T2's 100 was then, but the roster starts in FY2026: no value),
    # FY2026 as above, FY2027-FY2029 targets only.
    assert "2025年度 2026年度 2027年度 2028年度 2029年度" in passing
    assert "主査・主事 実績 — 50.0%" in passing
    assert "目標 — 15% 20% 23% 25%" in passing


def test_a_year_without_survey_says_so(client, hr):
    page = text_of(client.get("/hr/indicators?fy=2027").get_data(as_text=True))
    assert "この年度のアンケートは取り込まれていないため、この指標には値がありません。" in page


def test_survey_answers_by_grade_hide_small_cells(app, client, make_user, login):
    from tests.surveys.test_queries import load_survey, small_cells_survey

    load_survey(2026, small_cells_survey())
    login(make_user("HR1", roles=["hr"]))
    page = client.get("/hr/indicators?fy=2026").get_data(as_text=True)
    start = page.index('id="survey-heading"')
    survey = page[start:]
    assert "×" in survey  # a hidden cell
    assert "5人未満" in text_of(survey)


def test_learners_and_department_heads_get_403(city, client, make_user, login):  # noqa: F811
    for user in (make_user("L1"), make_user("K1", job_title="課長")):
        login(user)
        for path in (
            "/hr/indicators",
            "/hr/indicators/targets",
            "/hr/indicators/new",
            f"/hr/indicators/{indicator('ebpm_practice').id}/edit",
            "/hr/indicators/figures.csv",
        ):
            assert client.get(path).status_code == 403, path
        assert client.post("/hr/indicators/years", data={"fiscal_year": 2030}).status_code == 403
        client.post("/logout")


def test_hr_edits_the_targets_of_a_year(client, hr):
    staff = indicator("assessment_pass_rate")
    page = client.get("/hr/indicators/targets?fy=2026").get_data(as_text=True)
    assert f'name="target-{staff.id}-staff" value="15"' in page
    response = client.post(
        "/hr/indicators/targets?fy=2026",
        data={f"target-{staff.id}-staff": "５５％", f"target-{staff.id}-management": ""},
    )
    assert response.status_code == 302
    rows = rows_of(compute_indicators(db.session, 2026), "assessment_pass_rate")
    # 50% against 55: compared unrounded, now not achieved; management has no target.
    assert rows["staff"].target == 55.0 and rows["staff"].achieved is False
    assert rows["management"].target is None and rows["management"].achieved is None
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "target_changed")
    ).all()
    assert {(e.detail["band"], e.detail["before"], e.detail["after"]) for e in events} == {
        ("staff", 15.0, 55.0),
        ("management", 20.0, None),
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "数を入力してください"), ("150", "100以下"), ("-1", "0以上")],
)
def test_a_wrong_target_is_refused_with_nothing_saved(client, hr, value, message):
    staff = indicator("assessment_pass_rate")
    before = db.session.scalar(select(func.count()).select_from(IndicatorTarget))
    response = client.post(
        "/hr/indicators/targets?fy=2026",
        data={f"target-{staff.id}-staff": value, f"target-{staff.id}-supervisor": "40"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert (
        rows_of(compute_indicators(db.session, 2026), "assessment_pass_rate")["supervisor"].target
        == 18.0
    )
    assert db.session.scalar(select(func.count()).select_from(IndicatorTarget)) == before


def test_hr_adds_a_year_from_the_year_before(client, hr):
    response = client.post("/hr/indicators/years", data={"fiscal_year": "2030"})
    assert response.status_code == 302 and "/hr/indicators/targets?fy=2030" in response.location
    ebpm = indicator("ebpm_practice")
    targets = dict(
        db.session.execute(
            select(IndicatorTarget.band, IndicatorTarget.target).where(
                IndicatorTarget.indicator_id == ebpm.id, IndicatorTarget.fiscal_year == 2030
            )
        ).all()
    )
    assert targets == {"management": 55.0, "supervisor": 35.0, "staff": 32.0}  # FY2029's
    again = client.post("/hr/indicators/years", data={"fiscal_year": "2030"}, follow_redirects=True)
    assert "2030年度の目標は既にあります。" in again.get_data(as_text=True)
    page = client.get("/hr/indicators?fy=2030").get_data(as_text=True)
    assert "2030年度（令和12年度）" in page


def test_hr_adds_koganeis_indicators_without_code(client, hr):
    """「AIリテラシーを理解した職員の割合 80%」 (a survey share) and
    「情報セキュリティポリシー確認テストの平均点 80点」 (an assessment mean score)."""
    page = client.get("/hr/indicators/new").get_data(as_text=True)
    assert "確認テストの平均点" in page  # the kind is offered
    created = client.post(
        "/hr/indicators/new",
        data={
            "code": "ai_literacy",
            "kind": "survey_share",
            "number": "5",
            "name": "AIリテラシーを理解した職員の割合",
            "bands": ["all"],
            "pass_mark": "70",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    mean = client.post(
        "/hr/indicators/new",
        data={
            "code": "security_test_mean",
            "kind": "assessment_mean_score",
            "number": "6",
            "name": "情報セキュリティポリシー確認テストの平均点",
            "bands": ["management", "supervisor", "staff", "all"],
            "assessment": "dx-literacy",
        },
    )
    assert mean.status_code == 302, mean.get_data(as_text=True)
    ai, security = indicator("ai_literacy"), indicator("security_test_mean")
    client.post(
        "/hr/indicators/targets?fy=2026",
        data={f"target-{ai.id}-all": "80", f"target-{security.id}-all": "80"},
    )
    rows = rows_of(compute_indicators(db.session, 2026), "security_test_mean")
    # Best scores in FY2026 of active staff: M1 80, M2 70, T1 69, T3 100, T4 75,
    # U1 100 (all staff); management 80 and 70.
    assert (rows["all"].numerator, rows["all"].denominator) == (494, 6)
    assert rows["all"].value == pytest.approx(494 / 6) and rows["all"].achieved is True
    assert rows["management"].value == 75.0 and rows["management"].target is None
    page = section(
        client.get("/hr/indicators?fy=2026").get_data(as_text=True), "security_test_mean"
    )
    assert "全職員 82.3点 80点 +2.3点 達成 6" in page
    ai_page = section(client.get("/hr/indicators?fy=2026").get_data(as_text=True), "ai_literacy")
    assert "この年度のアンケートでは、この指標の設問が対応付けられていない" in ai_page
    created_events = db.session.scalars(
        select(AuditEvent.object_id).where(AuditEvent.action == "indicator_created")
    ).all()
    assert sorted(created_events) == ["ai_literacy", "security_test_mean"]


def test_the_survey_mapping_offers_an_added_survey_indicator(client, hr):
    client.post(
        "/hr/indicators/new",
        data={
            "code": "ai_literacy",
            "kind": "survey_share",
            "number": "5",
            "name": "AIリテラシーを理解した職員の割合",
            "bands": ["all"],
        },
    )
    from tests.metrics.test_indicators import SURVEY_2026

    response = client.post(
        "/hr/surveys/upload",
        data={"fiscal_year": "2026", "file": (io.BytesIO(SURVEY_2026.encode()), "survey.csv")},
        content_type="multipart/form-data",
    )
    assert 'name="question-ai_literacy"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "Bad Code"}, "code", "英小文字"),
        ({"code": "ebpm_practice"}, "code", "既に使われています"),
        ({"assessment": "no-such-test", "kind": "assessment_mean_score"}, "assessment", None),
        ({"kind": "training_count", "categories": ""}, "categories", "区分を1つ以上"),
        ({"bands": []}, "bands", "職層を1つ以上"),
    ],
)
def test_a_wrong_new_indicator_is_refused(client, hr, data, field, message):
    form = {
        "code": "new_one",
        "kind": "survey_share",
        "number": "7",
        "name": "新しい指標",
        "bands": ["staff"],
        "assessment": "dx-literacy",
        **data,
    }
    before = db.session.scalar(select(func.count()).select_from(Indicator))
    response = client.post("/hr/indicators/new", data=form)
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Indicator)) == before


def test_hr_changes_the_training_categories_counted(client, hr):
    training = indicator("training_participants")
    page = client.get(f"/hr/indicators/{training.id}/edit").get_data(as_text=True)
    assert "データ分析\nデジタルツール" not in page and "データ分析\n生成AI\nデジタルツール" in page
    response = client.post(
        f"/hr/indicators/{training.id}/edit",
        data={
            "number": "2",
            "name": training.name,
            "categories": "データ分析、生成AI\n情報セキュリティ",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    row = rows_of(compute_indicators(db.session, 2026), "training_participants")["all"]
    # T1 ×2, T2, U1, and now M1's security course.
    assert (row.numerator, row.distinct_staff) == (5, 4)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "indicator_changed"))
    assert event.detail["settings"]["after"]["categories"] == [
        "データ分析",
        "生成AI",
        "情報セキュリティ",
    ]
    assert client.get("/hr/indicators/999999/edit").status_code == 404


def test_the_figures_download_carries_year_and_roster_day(client, hr):
    as_of = compute_indicators(db.session, 2026).as_of.isoformat()
    csv = client.get("/hr/indicators/figures.csv?fy=2026")
    assert csv.status_code == 200 and csv.data.startswith(b"\xef\xbb\xbf")
    text = csv.data.decode("utf-8-sig")
    assert "年度,2026年度（令和8年度）" in text and f"名簿の基準日,{as_of}" in text
    assert "4,DX・サービスデザイン思考" in text and ",主査・主事,50.0%,15%,35.0,達成,2,4" in text
    cp932 = client.get("/hr/indicators/figures.csv?fy=2026&encoding=cp932")
    assert "主査・主事" in cp932.data.decode("cp932")
    book = load_workbook(io.BytesIO(client.get("/hr/indicators/figures.xlsx?fy=2026").data))
    cells = [[c for c in row if c is not None] for row in book.active.iter_rows(values_only=True)]
    assert cells[0] == ["年度", "2026年度（令和8年度）"] and cells[1] == ["名簿の基準日", as_of]
    assert cells[4][:3] == ["No.", "指標", "職層"]
    pdf = client.get("/hr/indicators/figures.pdf?fy=2026")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/hr/indicators/figures.docx?fy=2026").status_code == 404
    assert (
        db.session.scalar(
            select(func.count()).where(
                AuditEvent.action == "export", AuditEvent.object_type == "indicators"
            )
        )
        == 4
    )


def test_a_target_of_a_single_year_is_drawn_as_a_level(app):
    """A trend line needs two points: a target set for one year only is a
    short dashed level at its value, not an invisible one-point line."""
    import re

    template = app.jinja_env.from_string(
        "{% from \"_macros/charts.html\" import trend_lines %}{{ trend_lines('t', years, series) }}"
    )
    html = template.render(years=[2025, 2026], series=[("部長・課長", [(40.0, None), (55.0, 60)])])
    assert "chart__line--target" in html
    targets = re.findall(r"<(\w+)[^>]*chart__line chart__line--target chart__line--s0", html)
    assert targets[0] == "line"  # the year's level (the legend's sample comes after)
    two = template.render(years=[2025, 2026], series=[("部長・課長", [(40.0, 50), (55.0, 60)])])
    assert re.search(
        r'<polyline points="[\d.]+,[\d.]+ [\d.]+,[\d.]+" class="chart__line chart__line--target',
        two,
    )
