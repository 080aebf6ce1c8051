from sqlalchemy import func, select

from skillapp import PROJECT_ROOT
from skillapp.assessment.models import Attempt
from skillapp.demo.data import DEMO_ACCOUNTS
from skillapp.extensions import db
from skillapp.roster.models import Staff


def test_demo_seed_builds_a_city_once(runner, client, login):
    samples = PROJECT_ROOT / "tests" / "data" / "sample-content"
    assert runner.invoke(args=["content", "sync", str(samples)]).exit_code == 0
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    # It says what it is doing as it goes (issue 14, item 30).
    assert "… the roster and the demo accounts" in result.output
    assert "… lessons and attempts: 0 of 96 people" in result.output
    for staff_no, _name, _dept, _title, _roles, password in DEMO_ACCOUNTS:
        assert f"{staff_no} / {password}" in result.output
    staff = db.session.scalar(select(func.count()).select_from(Staff))
    assert staff == 4 + 2 * 48
    assert db.session.scalar(select(func.count()).select_from(Attempt)) > 50
    # The indicators have a survey and training records of this year to count.
    from skillapp.metrics.indicators import compute_indicators
    from skillapp.util.dates import fiscal_year_of, today_jst

    figures = compute_indicators(db.session, fiscal_year_of(today_jst()))
    by_code = {r.indicator.code: r for r in figures.results}
    assert by_code["ebpm_practice"].rows[0].denominator > 0
    assert by_code["training_participants"].rows[0].numerator > 0
    # HR has required an assessment of everyone and a module of 主査・主事.
    assert "2 assignments" in result.output
    # Each demo login works and needs no password change.
    staff_no, password = DEMO_ACCOUNTS[2][0], DEMO_ACCOUNTS[2][5]
    assert login(staff_no, password, follow=False).location == "/"
    learner = DEMO_ACCOUNTS[0]
    client.post("/logout")
    login(learner[0], learner[5])
    home = client.get("/").get_data(as_text=True)
    assert "あなたの必修" in home
    # A second run leaves the data alone.
    again = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert db.session.scalar(select(func.count()).select_from(Staff)) == staff
    assert runner.invoke(args=["demo", "seed"]).exit_code == 2


def test_demo_logins_shows_this_databases_demo_accounts(runner, make_user):
    """`skillapp demo logins` (issue 14, item 30): the demo accounts this
    database has, marking a password changed since the seed; none: exit 1."""
    empty = runner.invoke(args=["demo", "logins"])
    assert empty.exit_code == 1 and "no demo accounts" in empty.output
    learner, author = DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[1]
    make_user(learner[0], password=learner[5])
    make_user(author[0], password="changed by the author 2026")
    shown = runner.invoke(args=["demo", "logins"])
    assert shown.exit_code == 0, shown.output
    assert f"{learner[0]} / {learner[5]}" in shown.output
    assert author[5] not in shown.output and "password changed since the seed" in shown.output
    assert DEMO_ACCOUNTS[2][0] not in shown.output  # not in this database


def test_a_second_seed_prints_no_passwords_and_says_where_they_are(runner, make_user):
    make_user("X1")
    again = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert again.exit_code == 0
    assert "nothing to do" in again.output and "skillapp demo logins" in again.output
    assert not any(a[5] in again.output for a in DEMO_ACCOUNTS)


def test_the_demo_city_carries_its_security_test_indicator(runner, client, login, tmp_path):
    """With the security test in the curriculum, the demo city tracks its mean score
    against a target of 80 in every grade, on the indicators page and in the JSON."""
    from tests.conftest import write_module
    from tests.helpers import two_choice_questions

    samples = PROJECT_ROOT / "tests" / "data" / "sample-content"
    assert runner.invoke(args=["content", "sync", str(samples)]).exit_code == 0
    write_module(tmp_path, "security-check", kind="assessment", questions=two_choice_questions())
    assert runner.invoke(args=["content", "sync", str(tmp_path)]).exit_code == 0
    assert runner.invoke(args=["demo", "seed", "--if-empty"]).exit_code == 0
    from skillapp.metrics.indicators import compute_indicators
    from skillapp.util.dates import fiscal_year_of, today_jst

    year = fiscal_year_of(today_jst())
    by_code = {r.indicator.code: r for r in compute_indicators(db.session, year).results}
    security = by_code["security_test_mean"]
    assert security.indicator.kind == "assessment_mean_score"
    assert [row.target for row in security.rows] == [80, 80, 80]
    assert any(row.value is not None for row in security.rows)  # the demo took the test
    hr = DEMO_ACCOUNTS[2]
    login(hr[0], hr[5])
    page = client.get(f"/hr/indicators?fy={year}").get_data(as_text=True)
    assert "情報セキュリティ確認テストの平均点" in page and "80点" in page
    from skillapp.metrics.annual import annual_report_data

    assert "情報セキュリティ確認テストの平均点" in repr(annual_report_data(db.session, year))
