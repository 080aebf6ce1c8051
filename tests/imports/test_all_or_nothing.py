"""Every import — roster, results, training, survey — is all or nothing and
idempotent: an invalid last row writes nothing; a fault while writing the last
row rolls back every row before it; the same file twice changes nothing."""

import pytest
import yaml
from sqlalchemy import func, select

from skillapp.assessment.models import ExternalResult
from skillapp.audit.models import AuditEvent
from skillapp.auth.models import User
from skillapp.extensions import db
from skillapp.imports.models import DataImport
from skillapp.roster.models import Department, RosterImport, Staff, StaffState
from skillapp.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyMapping,
    SurveyQuestion,
    SurveyResponse,
)
from skillapp.training.models import TrainingAttendance, TrainingSession

TABLES = [
    Staff,
    StaffState,
    User,
    Department,
    RosterImport,
    DataImport,
    ExternalResult,
    TrainingSession,
    TrainingAttendance,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyAnswer,
    SurveyMapping,
    AuditEvent,
]

ROSTER = (
    "職員番号,氏名,所属,職名,在籍\n"
    "2001,新人 一,総務部総務課,主事,在籍\n"
    "2002,新人 二,市民部市民課,係長,在籍\n"
    "2003,新人 三,市民部市民課,課長,在籍\n"
)
RESULTS = (
    "職員番号,科目コード,点数,受験日時\n"
    "1001,dx-literacy,80,2026-05-01T10:00:00+09:00\n"
    "1002,dx-literacy,65,2026/6/1 9:00\n"
    "1003,dx-literacy,70,2027-03-31T15:30:00Z\n"
)
TRAINING = (
    "研修名,区分,実施日,職員番号\n"
    "データ分析入門,データ分析,2026-06-01,1001\n"
    "データ分析入門,データ分析,2026-06-01,1002\n"
    "生成AI研修,生成AI,2026/10/15,1003\n"
)
SURVEY = (
    "ID,職員番号,Q5 改善した経験,Q8 EBPMの活用\n"
    "1,1001,ある,活用している\n"
    "2,1002,ない,\n"
    "3,1003,ある,ときどき活用している\n"
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

# kind → (file, a bad last row with the column it names, the module and
# function of the import's last write).
KINDS = {
    "roster": (ROSTER, "2004,,総務部総務課,主事,在籍\n", "「氏名」列", "skillapp.roster.importing"),
    "results": (
        RESULTS,
        "1001,dx-literacy,101,2026-05-02T10:00:00+09:00\n",
        "「点数」列",
        "skillapp.assessment.importing",
    ),
    "training": (
        TRAINING,
        "生成AI研修,生成AI,2026-13-40,1002\n",
        "「実施日」列",
        "skillapp.training.importing",
    ),
    "survey": (SURVEY, "4,1001,ない,\n", "「職員番号」列", "skillapp.surveys.importing"),
}


@pytest.fixture
def city(app, make_user, make_module):
    make_module("dx-literacy")
    for number, title in (("1001", "課長"), ("1002", "主事"), ("1003", "係長")):
        make_user(number, job_title=title)
    return snapshot()


def snapshot() -> dict:
    """Every row count, and the rows of the data the imports write."""
    db.session.expire_all()
    counts = {
        m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in TABLES
    }
    contents = {
        "staff": sorted(
            db.session.execute(select(Staff.staff_no, Staff.name, Staff.band, Staff.is_active))
        ),
        "results": sorted(
            db.session.execute(select(ExternalResult.staff_id, ExternalResult.score)).all()
        ),
        "attendances": sorted(
            db.session.execute(
                select(TrainingAttendance.session_id, TrainingAttendance.staff_id)
            ).all()
        ),
        "answers": sorted(db.session.execute(select(SurveyAnswer.value)).all()),
    }
    return {"counts": counts, "contents": contents}


def args(kind, path, tmp_path) -> list[str]:
    if kind == "survey":
        mapping = tmp_path / "map.yaml"
        mapping.write_text(yaml.safe_dump(MAPPING, allow_unicode=True), encoding="utf-8")
        return ["survey", "import", path, "--fiscal-year", "2026", "--mapping", str(mapping)]
    options = ["--passwords-out", str(tmp_path / "pw.csv")] if kind == "roster" else []
    return [kind, "import", path, *options]


def write(tmp_path, text: str, name="file.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("cp932"))
    return str(path)


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_invalid_last_row_writes_nothing(city, runner, tmp_path, kind):
    text, bad_row, column, _module = KINDS[kind]
    result = runner.invoke(args=args(kind, write(tmp_path, text + bad_row), tmp_path))
    assert result.exit_code == 1, result.output
    last = len((text + bad_row).splitlines())
    assert f"{last}行目 {column}" in result.output
    assert snapshot() == city


def _fail_at_the_last_row(monkeypatch, kind):
    """Make the import's last write store every row but the last, then fail,
    as a full disk or a lost connection would."""
    import importlib

    module = importlib.import_module(KINDS[kind][3])
    name = {
        "roster": "bulk_insert",  # staff, history, then accounts: the last
        "results": "upsert",
        "training": "insert_ignore",  # sessions, then attendances: the last
        "survey": "upsert",  # the year's mapping, after every answer
    }[kind]
    original = getattr(module, name)
    calls = []

    def failing(session, table, rows, *rest):
        calls.append(table)
        last_table = {"roster": User, "training": TrainingAttendance}.get(kind)
        if last_table is None or getattr(table, "__table__", table) is last_table.__table__:
            original(session, table, rows[:-1], *rest)
            raise RuntimeError("disk full at the last row")
        return original(session, table, rows, *rest)

    monkeypatch.setattr(module, name, failing)
    return calls


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_fault_while_writing_the_last_row_rolls_everything_back(
    city, runner, tmp_path, monkeypatch, kind
):
    calls = _fail_at_the_last_row(monkeypatch, kind)
    result = runner.invoke(args=args(kind, write(tmp_path, KINDS[kind][0]), tmp_path))
    assert calls, "the fault was never reached"
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    db.session.rollback()
    assert snapshot() == city


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_same_file_twice_changes_nothing(city, runner, tmp_path, kind):
    path = write(tmp_path, KINDS[kind][0])
    first = runner.invoke(args=args(kind, path, tmp_path))
    assert first.exit_code == 0, first.output
    after_first = snapshot()
    assert after_first["contents"] != city["contents"]
    (tmp_path / "pw.csv").unlink(missing_ok=True)
    second = runner.invoke(args=args(kind, path, tmp_path))
    assert second.exit_code == 0, second.output
    again = snapshot()
    assert again["contents"] == after_first["contents"]
    data_tables = {t.__tablename__ for t in TABLES} - {
        "roster_imports",
        "data_imports",
        "audit_events",
    }
    assert {k: v for k, v in again["counts"].items() if k in data_tables} == {
        k: v for k, v in after_first["counts"].items() if k in data_tables
    }
    if kind == "roster":
        assert "new 0, changed 0, unchanged 3" in second.output
    elif kind == "survey":
        assert "unchanged" in second.output
        assert again["counts"] == after_first["counts"]  # not even a history row
    else:
        assert "new 0, changed 0, unchanged 3" in second.output
