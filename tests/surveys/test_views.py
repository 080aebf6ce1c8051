"""The survey import in the browser: upload → map the columns → preview → confirm."""

import html
import io
import json
import re

import pytest
import yaml
from sqlalchemy import select

from skillapp.extensions import db
from skillapp.imports.models import DataImport
from skillapp.metrics.indicators import compute_indicators, figures_json
from skillapp.surveys.importing import load_mapping_yaml
from skillapp.surveys.models import Survey, SurveyMapping
from skillapp.uploads.models import PendingFile
from tests.conftest import csrf_token_from
from tests.metrics.test_indicators import ROSTER, SURVEY_2026, roster_import

# The MAP.yaml (docs/cli-and-files.md) for SURVEY_2026, written by hand.
MAP_YAML = """\
staff_no_column: 職員番号
indicators:
  improvement_experience:
    column: "Q5 改善した経験"
    positive: [ある]
  ebpm_practice:
    column: "Q8 EBPMの活用"
    positive: [ときどき活用している, 活用している]
"""

SUPERSEDED = '<span class="status">置き換え済み</span>'

ANONYMOUS = """職層,Q5 改善した経験,Q8 EBPMの活用
部長・課長級,,活用している
部長・課長級,,活用していない
主査・主事級,ある,
主査・主事級,ない,
主査・主事級,,
その他,ある,活用している
"""


@pytest.fixture
def hr(make_user, login):
    roster_import(ROSTER, "2026-04-01")
    leaving = "職員番号,氏名,所属,職名,在籍\nX1,退職 予定,市民部市民課,主事,退職\n"
    roster_import(leaving, "2027-03-01")
    user = make_user("HR1", roles=["hr"], name="人事 担当")
    login(user)
    return user


def hidden_fields(page: str) -> dict:
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', page)
    }


def upload(client, data, *, year=2026, name="survey.csv", mapping=None, skip_invalid=False):
    fields = {"fiscal_year": str(year), "file": (io.BytesIO(data), name)}
    if mapping is not None:
        fields["mapping_file"] = (io.BytesIO(mapping.encode()), "MAP.yaml")
    if skip_invalid:
        fields["skip_invalid"] = "y"
    return client.post("/hr/surveys/upload", data=fields, content_type="multipart/form-data")


# The mapping form as a person fills it in for SURVEY_2026 (columns by position).
STAFF_FORM = {
    "staff_no_column": "0",
    "grade_column": "",
    "question-improvement_experience": "1",
    "positive-improvement_experience-1": ["ある"],
    "question-ebpm_practice": "2",
    "positive-ebpm_practice-2": ["活用している", "ときどき活用している"],
}


def submit_mapping(client, page, form, action="preview"):
    data = {**hidden_fields(page), **form, "action": action}
    return client.post("/hr/surveys/mapping", data=data)


def test_mapping_form_round_trip_gives_the_cli_figures(client, hr, runner, tmp_path):
    response = upload(client, SURVEY_2026.encode("cp932"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Built from the file's own headers and answers.
    assert '<option value="3" >Q10 満足度</option>' in page
    assert 'name="positive-ebpm_practice-2" value="ときどき活用している"' in page
    preview = submit_mapping(client, page, STAFF_FORM)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    page = preview.get_data(as_text=True)
    assert "66.7%" in page and "2/3" in page  # improvement: T1, T3 of T1-T3
    assert "99999" in page  # an unknown staff number, warned about
    assert db.session.scalar(select(Survey)) is None  # nothing written by the preview
    response = client.post("/hr/surveys/confirm", data=hidden_fields(page))
    assert response.status_code == 302
    web = figures_json(compute_indicators(db.session, 2026))
    survey = db.session.scalar(select(Survey))
    assert survey.respondents == 10
    assert db.session.get(SurveyMapping, 2026).mapping == survey.mapping

    # The command line with the equivalent hand-written MAP.yaml replaces it
    # (the answers are listed in another order) and gives the same figures.
    (tmp_path / "survey.csv").write_bytes(SURVEY_2026.encode())
    (tmp_path / "MAP.yaml").write_text(MAP_YAML, "utf-8")
    result = runner.invoke(
        args=[
            "survey", "import", str(tmp_path / "survey.csv"), "--fiscal-year", "2026",
            "--mapping", str(tmp_path / "MAP.yaml"),
        ]
    )  # fmt: skip
    assert result.exit_code == 0 and "imported" in result.output, result.output
    db.session.expire_all()
    assert figures_json(compute_indicators(db.session, 2026)) == web
    history = client.get("/hr/surveys").get_data(as_text=True)
    assert history.count(SUPERSEDED) == 1 and "現行" in history


def test_a_map_yaml_skips_the_form_and_reimport_supersedes(client, hr):
    page = upload(client, SURVEY_2026.encode(), mapping=MAP_YAML).get_data(as_text=True)
    assert "66.7%" in page
    assert client.post("/hr/surveys/confirm", data=hidden_fields(page)).status_code == 302
    first = db.session.scalar(select(DataImport))
    # The same file again, with one more positive answer counted.
    page = upload(client, SURVEY_2026.encode(), name="survey-v2.csv").get_data(as_text=True)
    # The form starts from the saved mapping.
    assert re.search(r'<option value="0" selected>職員番号</option>', page)
    assert re.search(r'name="positive-improvement_experience-1" value="ある" checked', page)
    form = {**STAFF_FORM, "positive-improvement_experience-1": ["ある", "ない"]}
    page = submit_mapping(client, page, form).get_data(as_text=True)
    assert "のアンケート（回答者 10 人）を置き換えます" in page
    assert "100.0%" in page and "3/3" in page
    assert client.post("/hr/surveys/confirm", data=hidden_fields(page)).status_code == 302
    db.session.refresh(first)
    assert first.is_superseded
    assert db.session.scalar(select(Survey).where(Survey.is_current.is_(True))).respondents == 10
    history = client.get("/hr/surveys").get_data(as_text=True)
    assert "survey-v2.csv" in history and history.count(SUPERSEDED) == 1


def test_importing_the_same_file_and_mapping_again_changes_nothing(client, hr):
    page = upload(client, SURVEY_2026.encode(), mapping=MAP_YAML).get_data(as_text=True)
    client.post("/hr/surveys/confirm", data=hidden_fields(page))
    page = upload(client, SURVEY_2026.encode(), mapping=MAP_YAML).get_data(as_text=True)
    assert "変わりません" in page
    assert 'value="edit"' in page
    assert '<button type="submit" class="button button--primary">' not in page


def test_anonymous_grades_map_in_two_steps_without_script(client, hr):
    page = upload(client, ANONYMOUS.encode(), year=2027).get_data(as_text=True)
    # Nothing chosen yet: the grade answers' group is hidden.
    assert re.search(r'data-group-of="grade_column" data-column="0" hidden', page)
    step = submit_mapping(client, page, {"grade_column": "0"}, action="refresh")
    page = step.get_data(as_text=True)
    assert re.search(r'data-group-of="grade_column" data-column="0" >', page)
    answers = re.findall(r'<label for="(band-0-\d)">([^<]+)</label>', page)
    bands = {"部長・課長級": "management", "主査・主事級": "staff"}
    form = {
        "grade_column": "0",
        **{field: bands.get(answer, "") for field, answer in answers},
        "question-improvement_experience": "1",
        "positive-improvement_experience-1": "ある",
        "question-ebpm_practice": "2",
        "positive-ebpm_practice-2": "活用している",
    }
    yaml_response = submit_mapping(client, page, form, action="yaml")
    assert yaml_response.headers["Content-Disposition"].startswith("attachment")
    mapping, problems = load_mapping_yaml(yaml_response.get_data(as_text=True))
    assert not problems and mapping["grade_values"] == bands
    page = submit_mapping(client, page, form).get_data(as_text=True)
    assert "その他" in page and "対応表にない" in page  # the unmapped answer, warned about
    assert client.post("/hr/surveys/confirm", data=hidden_fields(page)).status_code == 302
    figures = compute_indicators(db.session, 2027)
    staff = next(r for r in figures.results if r.indicator.code == "improvement_experience")
    assert (staff.rows[0].numerator, staff.rows[0].denominator) == (1, 2)
    download = client.get("/hr/surveys/mappings/2027.yaml")
    assert yaml.safe_load(download.get_data(as_text=True))["grade_values"] == bands


def test_an_incomplete_mapping_is_sent_back_with_its_problems(client, hr):
    page = upload(client, SURVEY_2026.encode()).get_data(as_text=True)
    form = {"question-ebpm_practice": "2"}  # no respondent column, no positive answer
    response = submit_mapping(client, page, form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "職員番号の列か職層の列" in page and "「あり」と数える回答" in page
    assert re.search(r'<option value="2" selected>Q8 EBPMの活用</option>', page)


def test_duplicate_staff_numbers_block_unless_skipped(client, hr):
    data = (SURVEY_2026 + "T1,ない,活用していない,不満\n").encode()
    page = upload(client, data, mapping=MAP_YAML).get_data(as_text=True)
    assert '<td class="num">12</td><td>職員番号</td>' in page
    assert "formaction" in page and 'button--primary">取り込む' not in page
    page = upload(client, data, mapping=MAP_YAML, skip_invalid=True).get_data(as_text=True)
    assert client.post("/hr/surveys/confirm", data=hidden_fields(page)).status_code == 302
    assert db.session.scalar(select(Survey)).respondents == 10
    assert db.session.scalar(select(DataImport)).counts["skipped"] == 1


def test_an_unreadable_file_or_mapping_is_reported(client, hr):
    response = upload(client, "職員番号,Q1,Q1\n1,a,b\n".encode())
    assert response.status_code == 422
    assert "同じ見出しの列" in response.get_data(as_text=True)
    response = upload(client, SURVEY_2026.encode(), mapping="indicators: [\n")
    assert response.status_code == 422
    assert "YAML として読めません" in response.get_data(as_text=True)
    assert db.session.scalar(select(PendingFile)) is None


def test_the_steps_carry_the_csrf_token(app, client, hr):
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_token_from(client.get("/hr/surveys").get_data(as_text=True))
    response = client.post(
        "/hr/surveys/upload",
        data={"fiscal_year": "2026", "file": (io.BytesIO(SURVEY_2026.encode()), "s.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    response = client.post(
        "/hr/surveys/upload",
        data={
            "fiscal_year": "2026",
            "file": (io.BytesIO(SURVEY_2026.encode()), "s.csv"),
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert hidden_fields(page)["csrf_token"]
    page = submit_mapping(client, page, STAFF_FORM).get_data(as_text=True)
    fields = hidden_fields(page)
    assert fields["csrf_token"] and json.loads(fields["mapping"])["staff_no_column"] == "職員番号"
    assert client.post("/hr/surveys/confirm", data=fields).status_code == 302


def test_learners_and_authors_get_403(client, login, make_user):
    login(make_user(roles=["author"]))
    assert client.get("/hr/surveys").status_code == 403
    assert client.post("/hr/surveys/confirm", data={}).status_code == 403
