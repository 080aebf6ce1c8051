"""The HR-development indicators against a hand-built fixture (docs/rules.md).

Roster (imported as of 2026-04-01 unless noted; FY2026 uses 31 March 2027):
  management  M1 課長, M2 部長                                  N = 2
  supervisor  S1 係長                                           N = 1
  staff       T1 T2 T3 主事, T4 主事 (主任 from 2027-04-01)     N = 4
  unclassified U1 主幹                                          counts in no band
  X1 主事, 退職 from 2027-03-01                                 counts nowhere in FY2026
FY2027 uses the latest state: T4 is supervisor (supervisor N = 2, staff N = 3).

dx-literacy, best score in the fiscal year by JST:
  M1 80 · M2 69 then 70 at 2027-03-31T23:59:59+09:00 · S1 70 at 2027-03-31T15:30:00Z
  (= 1 April 00:30 JST, FY2027) · T1 69 · T2 100 at 2026-03-31T23:59:59+09:00 (FY2025)
  · T3 100 taken here · T4 75 · X1 100 (inactive) · U1 100 (unclassified)
FY2026 pass rate: management 2/2, supervisor 0/1, staff 2/4 (T3, T4).
"""

import json

import pytest

from skillapp.assessment.importing import apply_results, plan_results
from skillapp.auth.models import User
from skillapp.extensions import db
from skillapp.metrics.indicators import compute_indicators, figures_json
from skillapp.metrics.services import create_indicator
from skillapp.roster import importing as roster_importing
from skillapp.surveys.importing import apply_survey, plan_survey
from skillapp.training.importing import apply_training, plan_training
from tests.helpers import take, two_choice_questions

ROSTER = """職員番号,氏名,所属,職名,在籍
M1,管理 一郎,総務部総務課,課長,在籍
M2,管理 二郎,総務部,部長,在籍
S1,監督 花子,市民部市民課,係長,在籍
T1,職員 一,市民部市民課,主事,在籍
T2,職員 二,総務部総務課,主事,在籍
T3,職員 三,総務部総務課,主事,在籍
T4,職員 四,市民部市民課,主事,在籍
U1,分類 外,市民部市民課,主幹,在籍
X1,退職 予定,市民部市民課,主事,在籍
"""

RESULTS = """職員番号,科目コード,点数,受験日時
M1,dx-literacy,80,2026-05-01T10:00:00+09:00
M2,dx-literacy,69,2026-06-01T10:00:00+09:00
M2,dx-literacy,70,2027-03-31T23:59:59+09:00
S1,dx-literacy,70,2027-03-31T15:30:00Z
T1,dx-literacy,69,2026-09-01 10:00
T2,dx-literacy,100,2026-03-31T23:59:59+09:00
T4,dx-literacy,75,2026/12/1 9:00
X1,dx-literacy,100,2026-06-01T10:00:00+09:00
U1,dx-literacy,100,2026-06-01T10:00:00+09:00
"""

SURVEY_2026 = """職員番号,Q5 改善した経験,Q8 EBPMの活用,Q10 満足度
M1,,活用している,満足
M2,,,満足
S1,,ときどき活用している,不満
T1,ある,活用していない,満足
T2,ない,活用している,満足
T3,ある,,満足
T4,,,満足
X1,ある,活用している,満足
U1,ある,,満足
99999,ある,活用している,満足
"""

MAPPING_2026 = {
    "staff_no_column": "職員番号",
    "grade_column": "",
    "grade_values": {},
    "indicators": {
        "improvement_experience": {"column": "Q5 改善した経験", "positive": ["ある"]},
        "ebpm_practice": {
            "column": "Q8 EBPMの活用",
            "positive": ["活用している", "ときどき活用している"],
        },
    },
}

TRAINING = """研修名,区分,実施日,職員番号
Excel データ分析入門,データ分析,2026-06-01,T1
Excel データ分析入門,データ分析,2026-06-01,T1
Excel データ分析入門,データ分析,2026-06-01,T2
生成AI活用研修,生成AI,2026/10/15,T1
情報セキュリティ研修,情報セキュリティ,2026-07-01,M1
生成AI活用研修,生成AI,2027-04-01,M1
生成AI活用研修,生成AI,2026-10-15,X1
生成AI活用研修,生成AI,2026-10-15,U1
"""


def roster_import(text: str, as_of: str):
    from datetime import date

    rows, problems = roster_importing.parse_roster(text.encode())
    assert not problems
    plan = roster_importing.plan_import(db.session, rows, as_of=date.fromisoformat(as_of))
    roster_importing.apply_import(db.session, plan, file_name="roster.csv", data=text.encode())
    db.session.commit()


def load(plan_fn, apply_fn, text: str, **options):
    data = text.encode("utf-8")
    plan = plan_fn(db.session, data, **options)
    assert not plan.problems, [str(p) for p in plan.problems]
    apply_fn(db.session, plan, file_name="file.csv", data=data)
    db.session.commit()
    return plan


@pytest.fixture
def city(app, make_module):
    module = make_module("dx-literacy", questions=two_choice_questions())
    roster_import(ROSTER, "2026-04-01")
    roster_import(
        "職員番号,氏名,所属,職名,在籍\nX1,退職 予定,市民部市民課,主事,退職\n", "2027-03-01"
    )
    roster_import("職員番号,氏名,所属,職名,在籍\nT4,職員 四,市民部市民課,主任,在籍\n", "2027-04-01")
    load(plan_results, apply_results, RESULTS)
    t3 = db.session.query(User).join(User.staff).filter_by(staff_no="T3").one()
    take(t3, module, "2026-11-01T10:00:00+09:00", right=10)
    load(plan_training, apply_training, TRAINING)
    load(plan_survey, apply_survey, SURVEY_2026, fiscal_year=2026, mapping=MAPPING_2026)
    return module


def rows_of(figures, code):
    result = next(r for r in figures.results if r.indicator.code == code)
    return {row.grade_band: row for row in result.rows}


def fractions(rows):
    return {band: (row.numerator, row.denominator) for band, row in rows.items()}


def test_assessment_pass_rate_counts_best_score_by_jst_year_on_the_march_roster(city):
    rows = rows_of(compute_indicators(db.session, 2026), "assessment_pass_rate")
    assert fractions(rows) == {"management": (2, 2), "supervisor": (0, 1), "staff": (2, 4)}
    assert rows["management"].value == 100.0 and rows["management"].achieved is True
    assert rows["supervisor"].value == 0.0 and rows["supervisor"].achieved is False
    assert rows["staff"].value == 50.0 and rows["staff"].target == 15.0


def test_the_next_year_uses_the_band_after_1_april(city):
    rows = rows_of(compute_indicators(db.session, 2027), "assessment_pass_rate")
    # S1's 70 at 2027-03-31T15:30Z is 1 April in Japan; T4 is a supervisor now.
    assert fractions(rows) == {"management": (0, 2), "supervisor": (1, 2), "staff": (0, 3)}
    assert rows["supervisor"].target == 23.0


def test_an_empty_year_has_no_value_never_zero(city):
    figures = compute_indicators(db.session, 2025)
    for result in figures.results:
        for row in result.rows:
            if result.indicator.kind != "training_count":
                assert row.value is None and row.achieved is None, result.indicator.code


def test_survey_shares_leave_out_blanks_inactive_unclassified_and_unknown(city):
    figures = compute_indicators(db.session, 2026)
    improvement = rows_of(figures, "improvement_experience")
    assert list(improvement) == ["staff"]
    staff = improvement["staff"]
    assert (staff.numerator, staff.denominator) == (2, 3)  # T1, T3 of T1-T3; T4 blank
    assert staff.value == pytest.approx(200 / 3) and staff.achieved is True
    assert (staff.respondents, staff.response_rate) == (4, 100.0)
    ebpm = rows_of(figures, "ebpm_practice")
    assert fractions(ebpm) == {"management": (1, 1), "supervisor": (1, 1), "staff": (1, 2)}
    assert ebpm["management"].respondents == 2
    assert ebpm["staff"].value == 50.0 and ebpm["staff"].achieved is True  # target 22


def test_anonymous_survey_maps_grade_answers_and_warns_about_the_rest(city):
    survey = (
        "職層,Q5 改善した経験,Q8 EBPMの活用\n"
        "部長・課長級,,活用している\n"
        "部長・課長級,,活用していない\n"
        "主査・主事級,ある,\n"
        "主査・主事級,ない,\n"
        "主査・主事級,,\n"
        "その他,ある,活用している\n"
    )
    mapping = {
        "staff_no_column": "",
        "grade_column": "職層",
        "grade_values": {
            "部長・課長級": "management",
            "課長代理・係長・主任級": "supervisor",
            "主査・主事級": "staff",
        },
        "indicators": MAPPING_2026["indicators"],
    }
    plan = load(plan_survey, apply_survey, survey, fiscal_year=2027, mapping=mapping)
    assert plan.counts["unmapped"] == 1
    assert any("その他" in str(w) for w in plan.warnings)
    figures = compute_indicators(db.session, 2027)
    staff = rows_of(figures, "improvement_experience")["staff"]
    assert (staff.numerator, staff.denominator, staff.respondents) == (1, 2, 3)
    assert staff.response_rate == 100.0  # 3 respondents / T1-T3
    ebpm = rows_of(figures, "ebpm_practice")
    assert fractions(ebpm) == {"management": (1, 2), "supervisor": (0, 0), "staff": (0, 0)}
    assert ebpm["supervisor"].value is None and ebpm["supervisor"].achieved is None
    assert ebpm["supervisor"].response_rate == 0.0


def test_training_counts_attendances_of_the_categories_once_each(city):
    figures = compute_indicators(db.session, 2026)
    row = rows_of(figures, "training_participants")["all"]
    # T1 twice (one repeated row), T2, U1; not the security course, not X1, not FY2027.
    assert (row.numerator, row.distinct_staff) == (4, 3)
    assert row.target == 100.0 and row.achieved is False
    assert (
        rows_of(compute_indicators(db.session, 2027), "training_participants")["all"].numerator == 1
    )


def test_a_new_indicator_of_an_existing_kind_needs_no_code(city):
    create_indicator(
        db.session,
        code="dx_mean_score",
        number=5,
        name="DXリテラシー確認テストの平均点",
        kind="assessment_mean_score",
        bands=["all"],
        assessment="dx-literacy",
    )
    create_indicator(
        db.session,
        code="security_training",
        number=6,
        name="情報セキュリティ研修の受講者数",
        kind="training_count",
        bands=["all"],
        categories=["情報セキュリティ"],
    )
    db.session.commit()
    figures = compute_indicators(db.session, 2026)
    mean = rows_of(figures, "dx_mean_score")["all"]
    # M1 80, M2 70, T1 69, T3 100, T4 75, U1 100 (X1 inactive, T2 and S1 other years).
    assert (mean.numerator, mean.denominator) == (494, 6)
    assert mean.value == pytest.approx(494 / 6)
    assert rows_of(figures, "security_training")["all"].numerator == 1


def test_json_matches_interfaces(city, runner):
    result = runner.invoke(args=["metrics", "show", "--fiscal-year", "2026", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["fiscal_year"] == 2026 and data["as_of"] <= "2027-03-31"
    by_code = {i["code"]: i for i in data["indicators"]}
    assert by_code["assessment_pass_rate"]["unit"] == "percent"
    assert by_code["assessment_pass_rate"]["rows"][2] == {
        "grade_band": "staff",
        "numerator": 2,
        "denominator": 4,
        "value": 50.0,
        "target": 15.0,
        "achieved": True,
    }
    improvement = by_code["improvement_experience"]["rows"][0]
    assert improvement["value"] == 66.7 and improvement["response_rate"] == 100.0
    assert improvement["respondents"] == 4
    training = by_code["training_participants"]
    assert training["unit"] == "count"
    assert training["rows"] == [
        {
            "grade_band": "all",
            "numerator": 4,
            "denominator": None,
            "value": 4,
            "target": 100.0,
            "achieved": False,
            "distinct_staff": 3,
        }
    ]
    assert figures_json(compute_indicators(db.session, 2026)) == data


def test_table_and_csv_formats(city, runner):
    table = runner.invoke(args=["metrics", "show", "--fiscal-year", "2026"])
    assert table.exit_code == 0 and "主査・主事" in table.output and "50.0%" in table.output
    csv_out = runner.invoke(args=["metrics", "show", "--fiscal-year", "2026", "--format", "csv"])
    assert csv_out.exit_code == 0 and csv_out.output.startswith("No.,指標,職層")


def test_the_api_is_for_hr_and_admin_only(city, client, login, make_user):
    learner = make_user("L1")
    login(learner)
    assert client.get("/api/v1/metrics?fiscal_year=2026").status_code == 403
    client.post("/logout")
    hr = make_user("H1", roles=("hr",))
    login(hr)
    response = client.get("/api/v1/metrics?fiscal_year=2026")
    assert response.status_code == 200
    assert response.get_json() == figures_json(compute_indicators(db.session, 2026))
    assert client.get("/api/v1/metrics").status_code == 400
