"""HR's browser imports of assessment results and training records."""

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from skillapp.assessment.models import ExternalResult
from skillapp.audit.models import AuditEvent
from skillapp.extensions import db
from skillapp.imports.models import DataImport
from skillapp.training.models import TrainingAttendance, TrainingSession
from skillapp.uploads.models import PendingFile
from tests.conftest import csrf_token_from
from tests.metrics.test_indicators import ROSTER, roster_import

RESULTS = """職員番号,科目コード,点数,受験日時
M1,dx-literacy,80,2026-05-01T10:00:00+09:00
T1,dx-literacy,69,2026-09-01 10:00
T4,dx-literacy,75,2026/12/1 9:00
"""

TRAINING = """研修名,区分,実施日,職員番号
Excel データ分析入門,データ分析,2026-06-01,T1
Excel データ分析入門,データ分析,2026-06-01,T1
Excel データ分析入門,データ分析,2026-06-01,T2
生成AI活用研修,生成AI,2026/10/15,T1
"""


def xlsx_bytes(text: str) -> bytes:
    book = Workbook()
    for line in text.strip().splitlines():
        book.active.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def hr(make_user, make_module, login):
    make_module("dx-literacy")
    roster_import(ROSTER, "2026-04-01")
    user = make_user("HR1", roles=["hr"], name="人事 担当")
    login(user)
    return user


def upload(client, kind, data, name="file.csv", *, skip_invalid=False):
    return client.post(
        f"/hr/imports/{kind}/preview",
        data={
            "file": (io.BytesIO(data), name),
            **({"skip_invalid": "y"} if skip_invalid else {}),
        },
        content_type="multipart/form-data",
    )


def confirm_from(client, kind, page: str, **extra):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    skip = re.search(r'name="skip_invalid" type="hidden" value="([^"]*)"', page).group(1)
    return client.post(f"/hr/imports/{kind}/confirm", data={"token": token, "skip_invalid": skip})


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (RESULTS.encode("cp932"), "results.csv"),
        (xlsx_bytes(RESULTS), "results.xlsx"),
    ],
)
def test_results_upload_preview_confirm(client, hr, data, name):
    assert "テスト結果の取込" in client.get("/hr/imports/results").get_data(as_text=True)
    response = upload(client, "results", data, name)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert name in page
    assert "2026-12-01 09:00:00" in page  # a sample row, in Japan time
    assert count(ExternalResult) == 0
    response = confirm_from(client, "results", page)
    assert response.status_code == 302
    assert count(ExternalResult) == 3
    history = client.get(response.location).get_data(as_text=True)
    record = db.session.scalar(select(DataImport))
    assert record.kind == "results" and record.counts["new"] == 3
    assert record.sha256[:12] in history and name in history and "人事 担当" in history
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "results_import"))
    # The same file again: nothing to import.
    page = upload(client, "results", data, name).get_data(as_text=True)
    assert re.search(r'<button type="submit" class="button button--primary" disabled', page)


def test_an_error_file_shows_row_and_column_and_writes_nothing(client, hr):
    bad = RESULTS + "T2,dx-literacy,120,2026-06-01\nZZ9,dx-literacy,50,2026-06-01\n"
    response = upload(client, "results", bad.encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<td class="num">5</td><td>点数</td>' in page
    assert '<td class="num">6</td><td>職員番号</td>' in page and "ZZ9" in page
    assert 'name="token"' not in page  # no confirm button
    assert count(ExternalResult) == 0 and count(DataImport) == 0 and count(PendingFile) == 0


def test_a_missing_column_is_a_problem_of_the_file(client, hr):
    response = upload(client, "results", "職員番号,点数\nM1,80\n".encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "科目コード" in page and "必須の列がありません" in page


def test_skip_invalid_imports_only_the_valid_rows(client, hr):
    bad = RESULTS + "T2,dx-literacy,abc,2026-06-01\n"
    response = upload(client, "results", bad.encode(), skip_invalid=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<td class="num">5</td><td>点数</td>' in page
    response = confirm_from(client, "results", page)
    assert response.status_code == 302
    assert count(ExternalResult) == 3
    record = db.session.scalar(select(DataImport))
    assert record.counts["skipped"] == 1


def test_training_upload_warns_about_repeated_rows(client, hr):
    response = upload(client, "training", TRAINING.encode("cp932"), "training.csv")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2行目と同じ受講" in page  # row 3 repeats row 2
    assert confirm_from(client, "training", page).status_code == 302
    assert count(TrainingSession) == 2 and count(TrainingAttendance) == 3
    assert db.session.scalar(select(DataImport.kind)) == "training"


def test_training_xlsx_with_an_error_writes_nothing(client, hr):
    bad = TRAINING + "生成AI活用研修,生成AI,2026-13-01,T2\n"
    response = upload(client, "training", xlsx_bytes(bad), "training.xlsx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<td class="num">6</td><td>実施日</td>' in page
    assert count(TrainingAttendance) == 0 and count(TrainingSession) == 0


def test_a_token_works_once_and_for_its_owner_only(app, client, hr, login, make_user):
    page = upload(client, "training", TRAINING.encode()).get_data(as_text=True)
    other = app.test_client()
    login(make_user("HR2", roles=["hr"]), client_=other)
    response = confirm_from(other, "training", page)
    assert response.status_code == 302 and count(TrainingAttendance) == 0
    assert confirm_from(client, "training", page).status_code == 302
    assert count(TrainingAttendance) == 3
    again = confirm_from(client, "training", page)
    assert again.status_code == 302 and count(DataImport) == 1


def test_forms_carry_the_csrf_token(app, client, hr):
    app.config["WTF_CSRF_ENABLED"] = True  # after the login
    page = client.get("/hr/imports/results").get_data(as_text=True)
    token = csrf_token_from(page)
    data = RESULTS.encode()
    response = client.post(
        "/hr/imports/results/preview",
        data={"file": (io.BytesIO(data), "r.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400  # no token
    response = client.post(
        "/hr/imports/results/preview",
        data={"file": (io.BytesIO(data), "r.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'action="/hr/imports/results/confirm".*?name="csrf_token"', page, re.S)


def test_learners_and_authors_get_403(client, login, make_user):
    login(make_user(roles=["author"]))
    for path in ("/hr/imports/results", "/hr/imports/training"):
        assert client.get(path).status_code == 403
    assert client.post("/hr/imports/training/confirm", data={}).status_code == 403
