"""The annual HR-development report against the hand-built fixture of
test_indicators (FY2026: pass rate management 2/2, supervisor 0/1, staff 2/4;
improvement 2/3 of staff; EBPM 1/1, 1/1, 1/2; training 4, 実人数 3)."""

import dataclasses
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from skillapp.audit.models import AuditEvent
from skillapp.extensions import db
from skillapp.metrics.annual import annual_report_data, report_years
from skillapp.metrics.indicators import compute_indicators
from skillapp.metrics.reports import format_value
from skillapp.pdf.annual import Table, annual_report_pdf
from skillapp.training.queries import training_by_category
from tests.metrics import test_indicators
from tests.surveys.test_queries import load_survey, small_cells_survey

# The hand-built city of test_indicators, as the fixture ``city`` here too.
city = test_indicators.city

CREATED = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


def render(fiscal_year: int = 2026, **changes) -> bytes:
    report = annual_report_data(db.session, fiscal_year)
    if changes:
        report = dataclasses.replace(report, **changes)
    return annual_report_pdf(report, city_name="テスト市", created=CREATED)


def flat(text: str) -> str:
    """The text without line breaks and spaces, so wrapped names match."""
    return re.sub(r"\s+", "", text)


def test_the_report_prints_the_indicator_figures(city, poppler):
    data = render()
    assert data.startswith(b"%PDF-")
    text = poppler.text(data)
    cover = poppler.text(data, page=1)
    for expected in ("テスト市", "人材育成指標 年次報告", "2026年度（令和8年度）", "名簿基準日"):
        assert expected in cover
    assert "作成日 令和8年11月22日（2026年11月22日）" in cover  # the day in JST
    everything = flat(text)
    figures = compute_indicators(db.session, 2026)
    for result in figures.results:
        assert flat(result.indicator.name) in everything, result.indicator.code
        for row in result.rows:
            assert format_value(result.indicator, row.value) in text
    # As shown by `metrics show`, with n/N beside them; rows read across.
    rows = flat(poppler.text(data, layout=True))
    shown = ["50.0%（2/4）", "0.0%（0/1）", "100.0%（2/2）", "66.7%（2/3）", "4人（実人数 3人）"]
    for figure in shown:
        assert flat(figure) in rows, figure
    # The gap as the indicators page writes it (issue 14, item 26).
    assert flat("主査・主事 50.0% 15% +35.0ポイント 達成 2/4") in rows
    assert flat("主査・主事 66.7% 30% +36.7ポイント 達成 2/3 4人 100.0%") in rows
    for cell in ("達成", "未達成", "+35.0ポイント", "-18.0ポイント", "100.0%"):
        assert cell in text
    assert "設問「Q5改善した経験」に「ある」" in everything
    # Training by category: the repeated row once, the retired person not at all.
    assert flat("データ分析 1回 2人 2人 No.2") in rows
    assert flat("合計 3回 5人 4人") in rows


def test_every_page_is_numbered_and_renders(city, poppler):
    data = render()
    pages = poppler.pages(data)
    assert pages >= 5
    for page in range(1, pages + 1):
        assert f"{page} / {pages}" in poppler.text(data, page=page)
    method = poppler.text(data, page=pages)
    for expected in (
        "集計の方法",
        "3月31日",
        "日本時間",
        "取り込んだ結果も受験と",
        "空欄の回答",
        "対応表にない職層の回答",
        "0%とはしません",
        "四捨五入する前の値",
    ):
        assert flat(expected) in flat(method), expected
    images = poppler.render(data)
    assert len(images) == pages


def test_the_document_properties(city, poppler):
    data = render()
    info = poppler.info(data)
    assert info["Title"] == "人材育成指標 年次報告 2026年度（令和8年度）"
    assert info["Author"] == "テスト市"
    assert info["Page size"].endswith("(A4)")
    assert b"/Lang (ja)" in data


def test_the_same_data_gives_the_same_bytes(city):
    assert render() == render()


def test_the_trend_covers_every_year_with_targets_or_data(city, poppler):
    # T2's result at 2026-03-31T23:59:59+09:00 is FY2025; targets start in FY2026.
    assert report_years(db.session, 2026) == [2025, 2026]
    assert report_years(db.session, 2027) == [2025, 2026, 2027]
    report = annual_report_data(db.session, 2027)
    assert report.years == ["2025年度", "2026年度", "2027年度"]
    pass_rate = report.trends[-1]
    staff = next(s for s in pass_rate.series if s.label == "主査・主事")
    # The roster starts on 2026-04-01, so FY2025 (31 March 2026) has nobody:
    # no value, never 0%.
    assert staff.values == [None, 50.0, 0.0] and staff.targets == [None, 15.0, 20.0]
    text = flat(poppler.text(annual_report_pdf(report, city_name="市", created=CREATED)))
    assert flat("主査・主事 実績 — 50.0% 0.0%") in text
    assert flat("主査・主事 目標 — 15% 20%") in text


def test_a_long_table_repeats_its_heading_on_every_page(city, poppler):
    report = annual_report_data(db.session, 2026)
    rows = [[f"教材{i:03d}", "主査・主事", "50.0%", "2/4", "50.0%", "2/4"] for i in range(150)]
    modules = dataclasses.replace(report.modules, table=Table(report.modules.table.headers, rows))
    data = annual_report_pdf(
        dataclasses.replace(report, modules=modules), city_name="テスト市", created=CREATED
    )
    pages = [
        text
        for page in range(1, poppler.pages(data) + 1)
        if "教材" in (text := poppler.text(data, page=page)) and re.search(r"教材\d{3}", text)
    ]
    assert len(pages) >= 3
    for text in pages:
        assert "修了 n/N" in text and "合格 n/N" in text
    assert "教材000" in pages[0] and "教材149" in pages[-1]


def test_small_survey_cells_are_not_printed(app, poppler):
    load_survey(2027, small_cells_survey())
    data = render(2027)
    text = poppler.text(data, layout=True)
    section = flat(text).split("4職員アンケートの結果")[1].split("5研修の受講状況")[0]
    assert flat("満足 6（50.0%） 5（50.0%）") in section
    assert flat("普通 x x") in section
    assert "不満" not in section  # fewer than five in every band: not even named
    assert "ひとこと" not in text  # the free-text answers never appear
    assert "ご意見" in section  # named as a question without a distribution
    # The supervisor band (3 respondents) has no column, only its count.
    question = section.split("Q1満足度")[1]
    assert "課長代理・係長・主任" not in question
    assert "3人" in section.split("Q1満足度")[0]


def test_training_by_category_counts_the_years_roster(city):
    totals = training_by_category(db.session, 2026)
    by_category = {c.category: (c.sessions, c.attendances, c.people) for c in totals.categories}
    assert by_category == {
        "データ分析": (1, 2, 2),
        "生成AI": (1, 2, 2),
        "情報セキュリティ": (1, 1, 1),
    }
    assert (totals.attendances, totals.people) == (5, 4)


def test_the_command_writes_the_file(city, runner, tmp_path, poppler):
    output = tmp_path / "annual.pdf"
    result = runner.invoke(
        args=["report", "annual", "--fiscal-year", "2026", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert str(output) in result.output
    assert "2026年度（令和8年度）" in poppler.text(output.read_bytes(), page=1)
    # Audited as an export, like the download.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert (event.actor_user_id, event.object_type, event.object_id) == (
        None,
        "annual_report",
        "2026",
    )
    assert event.detail["source"] == "cli" and event.detail["output"] == str(output.resolve())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fiscal-year", "1999"], "1999 is not in the range"),
        (["--fiscal-year", "令和8"], "not a valid integer"),
        ([], "Missing option '--fiscal-year'"),
    ],
)
def test_the_command_refuses_a_bad_year(app, runner, tmp_path, args, message):
    output = tmp_path / "annual.pdf"
    result = runner.invoke(args=["report", "annual", *args, "--output", str(output)])
    assert result.exit_code == 2
    assert message in result.output
    assert not output.exists()


def test_the_command_refuses_a_missing_folder(app, runner, tmp_path):
    output = tmp_path / "no-such-folder" / "annual.pdf"
    result = runner.invoke(
        args=["report", "annual", "--fiscal-year", "2026", "--output", str(output)]
    )
    assert result.exit_code == 2 and "does not exist" in result.output


def test_hr_downloads_the_report_and_it_is_audited(city, client, login, make_user, poppler):
    hr = make_user("H1", roles=("hr",))
    login(hr)
    dashboard = client.get("/hr/dashboard?fy=2026")
    assert "/hr/indicators/report.pdf?fiscal_year=2026" in dashboard.get_data(as_text=True)
    response = client.get("/hr/indicators/report.pdf?fiscal_year=2026")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "annual-report-FY2026.pdf" in response.headers["Content-Disposition"]
    assert "50.0%" in poppler.text(response.data)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert (event.actor_user_id, event.object_type, event.object_id) == (
        hr.id,
        "annual_report",
        "2026",
    )
    assert event.detail == {"fiscal_year": 2026, "format": "pdf"}
    for bad in ("1999", "abc", ""):
        assert client.get(f"/hr/indicators/report.pdf?fiscal_year={bad}").status_code == 400


def test_a_learner_gets_403(city, client, login, make_user):
    login(make_user("L1"))
    assert client.get("/hr/indicators/report.pdf?fiscal_year=2026").status_code == 403
    assert client.get("/hr/indicators?fy=2026").status_code == 403
    for fmt in ("csv", "xlsx", "pdf"):
        assert client.get(f"/hr/indicators/figures.{fmt}?fy=2026").status_code == 403
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export")) is None


def test_the_indicators_page_has_the_report_button(city, client, login, make_user):
    login(make_user("H1", roles=("hr",)))
    page = client.get("/hr/indicators?fy=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="annual-report-link"' in html
    assert "/hr/indicators/report.pdf?fiscal_year=2026" in html
    figures = compute_indicators(db.session, 2026)  # H1 counts too now
    for result in figures.results:
        assert f'id="indicator-{result.indicator.code}"' in html
        for row in result.rows:
            if result.indicator.unit == "percent" and row.value is not None:
                assert f"{row.value:.1f}%" in html
                assert f"{int(row.numerator)}/{row.denominator}" in html
    for fmt in ("csv", "xlsx", "pdf"):
        assert f"/hr/indicators/figures.{fmt}?fy=2026" in html
    # The HR navigation leads to it.
    assert 'href="/hr/indicators"' in client.get("/hr/dashboard").get_data(as_text=True)
    assert client.get("/hr/indicators?fy=1999").status_code == 400


def test_the_indicator_table_exports_carry_year_and_roster_day(
    city, client, login, make_user, poppler
):
    """CSV, XLSX and PDF from the same (headers, rows) as `metrics show --format csv`."""
    hr = make_user("H1", roles=("hr",))
    login(hr)
    as_of = compute_indicators(db.session, 2026).as_of.isoformat()
    csv = client.get("/hr/indicators/figures.csv?fy=2026")
    assert csv.status_code == 200
    text = csv.get_data().decode("utf-8-sig")
    assert "2026年度（令和8年度）" in text and as_of in text and "66.7%" in text
    assert "indicators-FY2026-utf8.csv" in csv.headers["Content-Disposition"]
    assert client.get("/hr/indicators/figures.xlsx?fy=2026").data[:2] == b"PK"
    pdf = client.get("/hr/indicators/figures.pdf?fy=2026")
    assert pdf.mimetype == "application/pdf"
    pdf_text = poppler.text(pdf.data)
    for expected in ("人材育成指標", "2026年度（令和8年度）", as_of, "66.7%", "実人数"):
        assert expected in pdf_text, expected
    assert poppler.info(pdf.data)["Author"] == "テスト市"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)
    ).all()
    assert [(e.object_type, e.object_id, e.detail["format"]) for e in events] == [
        ("indicators", "2026", "csv"),
        ("indicators", "2026", "xlsx"),
        ("indicators", "2026", "pdf"),
    ]
    assert all(e.actor_user_id == hr.id for e in events)
    assert client.get("/hr/indicators/figures.docx?fy=2026").status_code == 404
