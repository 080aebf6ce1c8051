"""Issue 14.6: NUL and other C0 control characters (other than tab and line
breaks), and DEL, are refused by every import at validation, with row and
column (line and column for content), on SQLite and PostgreSQL alike.
Before, a roster with NUL in 氏名 previewed and dry-ran fine, then gave a 500
(PostgreSQL refuses NUL in text) on confirm."""

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from skillapp.assessment.models import ExternalResult
from skillapp.extensions import db
from skillapp.learning.models import Module
from skillapp.roster.models import Staff
from skillapp.surveys.models import Survey
from skillapp.training.models import TrainingSession
from skillapp.uploads.models import PendingFile
from tests.authoring.builders import QUIZ_YAML, write_module
from tests.metrics.test_indicators import ROSTER, SURVEY_2026, roster_import
from tests.roster.test_import import MARCH, csv_bytes
from tests.surveys.test_views import MAP_YAML
from tests.surveys.test_views import upload as survey_upload

NUL_ROSTER = csv_bytes(
    [MARCH[0], ["1002", "山\x00田 花子", "総務部総務課", "主事", "正規", "在籍"]]
)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_roster_preview_refuses_nul_with_row_and_column(client, login, make_user):
    login(make_user(roles=["hr"]))
    response = client.post(
        "/hr/roster/preview",
        data={"file": (io.BytesIO(NUL_ROSTER), "roster.csv"), "as_of": "2026-04-01"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<td class="num">3</td><td>氏名</td>' in page
    assert "制御文字（U+0000）" in page
    assert count(PendingFile) == 0 and count(Staff) == 1  # only the HR user


@pytest.mark.parametrize("skip", [False, True])
def test_roster_command_refuses_nul_even_when_skipping_invalid_rows(runner, tmp_path, skip):
    path = tmp_path / "roster.csv"
    path.write_bytes(NUL_ROSTER)
    args = ["roster", "import", str(path), "--dry-run", *(["--skip-invalid"] if skip else [])]
    result = runner.invoke(args=args)
    assert result.exit_code == 1, result.output
    assert "roster.csv: 3行目 「氏名」列: 2文字目に制御文字（U+0000）があります。" in result.output
    result = runner.invoke(args=[a for a in args if a != "--dry-run"])
    assert result.exit_code == 1 and count(Staff) == 0


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("results", "職員番号,科目コード,点数,受験日時\nT1,dx-lite\x7fracy,80,2026-05-01 10:00\n"),
        ("training", "研修名,区分,実施日,職員番号\nExcel\x1b[31m 入門,データ分析,2026-06-01,T1\n"),
    ],
)
def test_results_and_training_refuse_control_characters(
    client, login, make_user, make_module, runner, tmp_path, kind, text
):
    make_module("dx-literacy")
    roster_import(ROSTER, "2026-04-01")
    login(make_user("HR1", roles=["hr"]))
    response = client.post(
        f"/hr/imports/{kind}/preview",
        data={"file": (io.BytesIO(text.encode()), f"{kind}.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'<td class="num">2</td><td>(科目コード|研修名)</td>', page)
    assert "制御文字（U+007F）" in page or "制御文字（U+001B）" in page
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(text.encode())
    result = runner.invoke(args=[kind, "import", str(path), "--skip-invalid"])
    assert result.exit_code == 1 and "2行目" in result.output
    assert count(ExternalResult) == 0 and count(TrainingSession) == 0


def test_survey_refuses_control_characters_in_the_file_and_the_mapping(
    client, make_user, login, runner, tmp_path
):
    roster_import(ROSTER, "2026-04-01")
    login(make_user("HR1", roles=["hr"]))
    lines = SURVEY_2026.splitlines()
    lines[4] = lines[4].replace("ある", "あ\x00る", 1)
    response = survey_upload(client, "\n".join(lines).encode(), mapping=MAP_YAML)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'<td class="num">5</td><td>Q5 改善した経験</td>', page)
    assert "制御文字（U+0000）" in response.get_data(as_text=True)
    # A quoted escape puts a control character into a value of the mapping.
    mapping = MAP_YAML.replace("positive: [ある]", 'positive: ["あ\\0る"]')
    response = survey_upload(client, SURVEY_2026.encode(), mapping=mapping)
    assert response.status_code == 422
    assert "5行目: 値に制御文字（U+0000）があります" in response.get_data(as_text=True)
    (tmp_path / "survey.csv").write_bytes(SURVEY_2026.encode())
    (tmp_path / "MAP.yaml").write_text(mapping)
    result = runner.invoke(
        args=["survey", "import", str(tmp_path / "survey.csv"), "--fiscal-year", "2026"]
        + ["--mapping", str(tmp_path / "MAP.yaml")]
    )
    assert result.exit_code == 1 and "値に制御文字（U+0000）" in result.output
    assert count(Survey) == 0


def _zip(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder)}")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("files", "where"),
    [
        ({"quiz": QUIZ_YAML.replace("解説です。", '"解説\\x07です。"')}, ("quiz.yaml", 8)),
        ({"lessons": {"01-first.md": "# 最初\n\n本文\x00です。\n"}}, ("01-first.md", 3)),
    ],
)
def test_content_refuses_control_characters_with_file_and_line(
    client, login, make_user, runner, tmp_path, files, where
):
    login(make_user("AUTH1", roles=["author"]))
    folder = write_module(tmp_path, "nul-module", **files)
    response = client.post(
        "/authoring/import",
        data={"file": (io.BytesIO(_zip(folder)), "nul-module.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    name, line = where
    assert re.search(rf'{name}</code></td><td class="num">{line}</td>', page), page
    assert "制御文字" in page
    result = runner.invoke(args=["content", "import", str(folder)])
    assert result.exit_code == 1 and "control character" in result.output
    assert count(Module) == 0
