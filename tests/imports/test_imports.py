"""Results, training and survey imports through the command line: formats,
row-and-column errors, all-or-nothing, skip-invalid, idempotency, history."""

import io

import pytest
import yaml
from sqlalchemy import func, select

from skillapp.assessment.models import ExternalResult
from skillapp.audit.models import AuditEvent
from skillapp.extensions import db
from skillapp.imports.models import DataImport
from skillapp.surveys.models import Survey, SurveyAnswer, SurveyMapping, SurveyResponse
from skillapp.training.models import TrainingAttendance, TrainingSession


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def staff(app, make_user, make_module):
    make_module("dx-literacy")
    for number, title in (("1001", "課長"), ("1002", "主事"), ("1003", "係長")):
        make_user(number, job_title=title)


def write(tmp_path, name, text, encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def xlsx(tmp_path, name, rows):
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return str(path)


RESULTS = (
    "職員番号,科目コード,点数,受験日時\n"
    "1001,dx-literacy,80,2026-05-01T10:00:00+09:00\n"
    "１００２,dx-literacy,65,2026/6/1 9:00\n"
    "1003,dx-literacy,70.5,2026-07-01T01:00:00Z\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_results_import_each_encoding_then_the_same_file_changes_nothing(
    staff, runner, tmp_path, encoding
):
    path = write(tmp_path, "results.csv", RESULTS, encoding)
    first = runner.invoke(args=["results", "import", path])
    assert first.exit_code == 0, first.output
    assert "new 3" in first.output
    assert count(ExternalResult) == 3
    second = runner.invoke(args=["results", "import", path])
    assert second.exit_code == 0 and "new 0, changed 0, unchanged 3" in second.output
    assert count(ExternalResult) == 3
    history = db.session.scalars(select(DataImport).order_by(DataImport.id)).all()
    assert [h.counts["new"] for h in history] == [3, 0]
    assert len(history[0].sha256) == 64 and history[0].file_name == "results.csv"
    assert count(AuditEvent) >= 2


def test_results_xlsx_with_english_headers(staff, runner, tmp_path):
    path = xlsx(
        tmp_path,
        "results.xlsx",
        [
            ["staff_no", "assessment", "score", "taken_at"],
            ["1001", "dx-literacy", 90, "2026-05-01T10:00:00+09:00"],
        ],
    )
    result = runner.invoke(args=["results", "import", path])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(ExternalResult.score)) == 90


def test_a_corrected_score_replaces_the_old_one(staff, runner, tmp_path):
    runner.invoke(args=["results", "import", write(tmp_path, "a.csv", RESULTS)])
    fixed = RESULTS.replace(",80,", ",85,")
    result = runner.invoke(args=["results", "import", write(tmp_path, "b.csv", fixed)])
    assert "new 0, changed 1, unchanged 2" in result.output
    assert count(ExternalResult) == 3


def test_a_bad_last_row_writes_nothing_and_names_row_and_column(staff, runner, tmp_path):
    bad = RESULTS + "9999,dx-literacy,101,2026-13-01\n"
    result = runner.invoke(args=["results", "import", write(tmp_path, "bad.csv", bad)])
    assert result.exit_code == 1
    assert "5行目 「職員番号」列" in result.output and "名簿にありません" in result.output
    assert "5行目 「点数」列" in result.output
    assert "5行目 「受験日時」列" in result.output
    assert count(ExternalResult) == 0 and count(DataImport) == 0


def test_skip_invalid_imports_only_the_valid_rows(staff, runner, tmp_path):
    bad = RESULTS + "1001,no-such-test,50,2026-05-01\n"
    path = write(tmp_path, "bad.csv", bad)
    result = runner.invoke(args=["results", "import", path, "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert "skipped: 5行目 「科目コード」列" in result.output
    assert count(ExternalResult) == 3
    assert db.session.scalar(select(DataImport.counts))["skipped"] == 1


def test_dry_run_writes_nothing(staff, runner, tmp_path):
    result = runner.invoke(
        args=["results", "import", write(tmp_path, "r.csv", RESULTS), "--dry-run"]
    )
    assert result.exit_code == 0 and "dry run" in result.output
    assert count(ExternalResult) == 0 and count(DataImport) == 0


def test_a_failure_while_writing_leaves_nothing(staff, runner, tmp_path, monkeypatch):
    """A fault injected at the last write: the whole import is rolled back."""
    from skillapp.training import importing

    original = importing.insert_ignore

    def failing(session, table, rows, keys):
        if table is TrainingAttendance:
            raise RuntimeError("disk full")
        return original(session, table, rows, keys)

    monkeypatch.setattr(importing, "insert_ignore", failing)
    result = runner.invoke(args=["training", "import", write(tmp_path, "t.csv", TRAINING)])
    assert result.exit_code != 0
    db.session.rollback()
    assert count(TrainingSession) == 0 and count(DataImport) == 0


TRAINING = (
    "研修名,区分,実施日,職員番号\n"
    "データ分析入門,データ分析,2026-06-01,1001\n"
    "データ分析入門,データ分析,2026-06-01,1001\n"
    "データ分析入門,データ分析,2026-06-01,1002\n"
    "生成AI研修,生成AI,2026/10/15,1001\n"
)


def test_training_repeated_rows_are_one_attendance_and_reimport_is_a_no_op(staff, runner, tmp_path):
    path = write(tmp_path, "t.csv", TRAINING, "cp932")
    first = runner.invoke(args=["training", "import", path])
    assert first.exit_code == 0, first.output
    assert "new 3" in first.output and "repeated rows 1" in first.output
    assert "3行目: 2行目と同じ受講" in first.output
    assert (count(TrainingSession), count(TrainingAttendance)) == (2, 3)
    second = runner.invoke(args=["training", "import", path])
    assert "new 0, changed 0, unchanged 3" in second.output
    assert count(TrainingAttendance) == 3


def test_training_errors_with_row_and_column(staff, runner, tmp_path):
    bad = TRAINING + "生成AI研修,データ分析,2026-10-15,1002\n,生成AI,昨日,\n"
    result = runner.invoke(args=["training", "import", write(tmp_path, "t.csv", bad)])
    assert result.exit_code == 1
    out = result.output
    assert "6行目 「区分」列" in out and "5行目の「生成AI」と違います" in out
    assert "7行目 「研修名」列: 値が空です" in out
    assert "7行目 「実施日」列" in out and "7行目 「職員番号」列" in out
    assert count(TrainingAttendance) == 0


def test_a_corrected_category_replaces_the_old_one(staff, runner, tmp_path):
    runner.invoke(args=["training", "import", write(tmp_path, "a.csv", TRAINING)])
    fixed = TRAINING.replace("生成AI研修,生成AI", "生成AI研修,デジタルツール")
    result = runner.invoke(args=["training", "import", write(tmp_path, "b.csv", fixed)])
    assert "changed 1" in result.output
    assert "デジタルツール" in db.session.scalars(select(TrainingSession.category)).all()


SURVEY = (
    "ID,職員番号,職層,Q5 改善した経験,Q8 EBPMの活用\n"
    "1,1001,部長・課長級,ある,活用している\n"
    "2,1002,主査・主事級,ない,\n"
    "3,1003,課長代理・係長・主任級,ある,ときどき活用している\n"
)
MAPPING = {
    "staff_no_column": "職員番号",
    "indicators": {
        "improvement_experience": {"column": "Q5 改善した経験", "positive": ["ある"]},
        "ebpm_practice": {
            "column": "Q8 EBPMの活用",
            "positive": ["活用している", "ときどき活用している"],
        },
    },
}


def mapping_file(tmp_path, mapping=MAPPING):
    path = tmp_path / "map.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    return str(path)


def survey_args(path, tmp_path, year="2026"):
    return ["survey", "import", path, "--fiscal-year", year, "--mapping", mapping_file(tmp_path)]


def test_survey_import_replaces_the_year_and_keeps_the_history(staff, runner, tmp_path):
    path = write(tmp_path, "survey.csv", SURVEY)
    first = runner.invoke(args=survey_args(path, tmp_path))
    assert first.exit_code == 0, first.output
    assert (count(Survey), count(SurveyResponse)) == (1, 3)
    # Answers are kept for every question but the staff number; blanks are not.
    assert count(SurveyAnswer) == 3 * 4 - 1
    same = runner.invoke(args=survey_args(path, tmp_path))
    assert "unchanged" in same.output and count(Survey) == 1 and count(DataImport) == 1

    second_file = write(
        tmp_path,
        "survey2.csv",
        SURVEY.replace("2,1002,主査・主事級,ない", "2,1002,主査・主事級,ある"),
    )
    second = runner.invoke(args=survey_args(second_file, tmp_path))
    assert second.exit_code == 0, second.output
    surveys = db.session.scalars(select(Survey).order_by(Survey.id)).all()
    assert [s.is_current for s in surveys] == [False, True]
    imports = db.session.scalars(select(DataImport).order_by(DataImport.id)).all()
    assert imports[0].is_superseded and imports[0].superseded_by_id == imports[1].id
    assert not imports[1].is_superseded
    assert db.session.get(SurveyMapping, 2026).mapping["staff_no_column"] == "職員番号"


def test_survey_mapping_problems_are_reported_and_nothing_is_written(staff, runner, tmp_path):
    path = write(tmp_path, "survey.csv", SURVEY)
    broken = {
        "staff_no_column": "社員番号",
        "indicators": {
            "ebpm_practice": {"column": "Q9 ない設問", "positive": ["ある"]},
            "no_such_indicator": {"column": "Q5 改善した経験", "positive": ["ある"]},
        },
    }
    result = runner.invoke(
        args=[
            "survey", "import", path, "--fiscal-year", "2026",
            "--mapping", mapping_file(tmp_path, broken),
        ]
    )  # fmt: skip
    assert result.exit_code == 1
    assert "「社員番号」列: 職員番号の列がファイルにありません" in result.output
    assert "「Q9 ない設問」列" in result.output
    assert "no_such_indicator" in result.output
    assert count(Survey) == 0


def test_survey_yaml_syntax_error_names_the_line(staff, runner, tmp_path):
    path = write(tmp_path, "survey.csv", SURVEY)
    bad = tmp_path / "bad.yaml"
    bad.write_text("staff_no_column: 職員番号\nindicators:\n  - [unclosed\n", encoding="utf-8")
    result = runner.invoke(
        args=["survey", "import", path, "--fiscal-year", "2026", "--mapping", str(bad)]
    )
    assert result.exit_code == 1 and "行目" in result.output


def test_a_duplicate_respondent_is_an_error_unless_skipped(staff, runner, tmp_path):
    path = write(tmp_path, "survey.csv", SURVEY + "4,1001,部長・課長級,ない,\n")
    result = runner.invoke(args=survey_args(path, tmp_path))
    assert result.exit_code == 1 and "5行目 「職員番号」列" in result.output
    assert count(Survey) == 0
    skipped = runner.invoke(args=[*survey_args(path, tmp_path), "--skip-invalid"])
    assert skipped.exit_code == 0, skipped.output
    assert count(SurveyResponse) == 3


def test_survey_from_microsoft_forms_xlsx(staff, runner, tmp_path):
    rows = [
        ["ID", "開始時刻", "完了時刻", "メール", "名前", "職員番号", "Q5 改善した経験"],
        [1, "2026/10/1 9:00:00", "2026/10/1 9:05:00", "anonymous", "", "1001", "ある"],
        [2, "2026/10/1 9:10:00", "2026/10/1 9:12:00", "anonymous", "", "１００２", "ない"],
    ]
    path = xlsx(tmp_path, "forms.xlsx", rows)
    mapping = {
        "staff_no_column": "職員番号",
        "indicators": {"improvement_experience": MAPPING["indicators"]["improvement_experience"]},
    }
    result = runner.invoke(
        args=[
            "survey", "import", path, "--fiscal-year", "2026",
            "--mapping", mapping_file(tmp_path, mapping),
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.staff_id.is_not(None))
        )
        == 2
    )
