"""The dashboard's tables as CSV, Excel and PDF, and what a department head
sees and downloads: their own unit only, in pages, lists and files alike.

The fixture is test_dashboard's (FY2026): 総務部総務課 has M1 (課長), M2 (部長),
T2 and T3 (inactive); 市民部市民課 has S1, T1, U1 and OTHER.
"""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from skillapp.extensions import db
from skillapp.metrics import queries
from skillapp.roster.models import Staff, StaffState
from tests.metrics.test_dashboard import fixture  # noqa: F401 — the fixture


def csv_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    return response.data.decode("utf-8-sig")


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(response.data))
    return [[c for c in row if c is not None] for row in book.active.iter_rows(values_only=True)]


@pytest.fixture
def hr(make_user, login, fixture):  # noqa: F811
    login(make_user("HR1", roles=["hr"], job_title="人事担当"))


def test_completion_by_grade_as_csv_and_xlsx(client, hr):
    as_of = queries.as_of_day(2026).isoformat()
    text = csv_text(client.get("/hr/dashboard.csv?fy=2026"))
    lines = text.splitlines()
    assert lines[:3] == ["年度,2026年度（令和8年度）", f"名簿の基準日,{as_of}", "職層,すべて"]
    assert "モジュール,職層,修了率（パーセント）,修了 n/N,合格率（パーセント）,合格 n/N" in lines
    # The hand-computed figures of test_dashboard: passed 1/2 1/1 1/3 4/7 (+HR1,
    # in no grade: all N = 8), completed 1/2 0/1 1/3 3/7.
    assert "テスト m,部長・課長,50.0,1/2,50.0,1/2" in lines
    assert "テスト m,課長代理・係長・主任,0.0,0/1,100.0,1/1" in lines
    assert "テスト m,主査・主事,33.3,1/3,33.3,1/3" in lines
    assert "テスト m,全職員,37.5,3/8,50.0,4/8" in lines
    rows = xlsx_rows(client.get("/hr/dashboard.xlsx?fy=2026"))
    assert rows[0] == ["年度", "2026年度（令和8年度）"] and rows[1] == ["名簿の基準日", as_of]
    assert ["テスト m", "全職員", 37.5, "3/8", 50, "4/8"] in rows
    cp932 = client.get("/hr/dashboard.csv?fy=2026&encoding=cp932")
    assert "部長・課長" in cp932.data.decode("cp932")


def test_each_csv_names_its_encoding_once(client, hr):
    # Werkzeug appends "; charset=utf-8" to any text/* type: a Shift_JIS file
    # must not be announced as both.
    utf8 = client.get("/hr/dashboard.csv?fy=2026")
    assert utf8.headers["Content-Type"] == "text/csv; charset=utf-8"
    cp932 = client.get("/hr/dashboard.csv?fy=2026&encoding=cp932")
    assert cp932.headers["Content-Type"] == "text/csv; charset=shift_jis"
    xlsx = client.get("/hr/dashboard.xlsx?fy=2026")
    assert xlsx.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_by_department_as_csv_and_pdf(client, hr, poppler):
    text = csv_text(client.get("/hr/dashboard/m/departments.csv?fy=2026"))
    assert "モジュール,テスト m" in text
    assert "所属,在籍職員数,修了率（パーセント）,修了,合格率（パーセント）,合格" in text
    # 総務部総務課: M1, M2, T2 (+HR1) → 2 completed, 2 passed of 4.
    assert "総務部総務課,4,50.0,2,50.0,2" in text
    assert "市民部市民課,4,25.0,1,50.0,2" in text
    pdf = client.get("/hr/dashboard/m/departments.pdf?fy=2026")
    words = poppler.text(pdf.data)
    assert "2026年度（令和8年度）" in words and "市民部市民課" in words


FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_formula_trigger_is_neutralised_in_exports(client, hr, fmt):
    """A name that starts with = + - @ tab or carriage return is written as text."""
    for n, value in enumerate(FORMULAS):
        staff = db.session.query(Staff).filter_by(staff_no="OTHER").one()
        if n:
            from skillapp.roster.services import StaffInput, upsert_staff

            staff = upsert_staff(db.session, StaffInput(f"F{n}", "仮", "市民部市民課", "主事"))
        # Straight to the record (the import would trim it), as of 31 March too.
        staff.name = value
        db.session.execute(
            update(StaffState).where(StaffState.staff_id == staff.id).values(name=value)
        )
    db.session.commit()
    response = client.get(f"/hr/dashboard/m/pending.{fmt}?fy=2026&band=staff")
    if fmt == "csv":
        text = csv_text(response)
        for value in FORMULAS:
            assert f",'{value}," in text or f'"\'{value}"' in text, repr(value)
    else:
        # XML keeps no bare carriage return: the reader gives it back as a line feed.
        cells = {
            c.replace("\n", "\r") for row in xlsx_rows(response) for c in row if isinstance(c, str)
        }
        for value in FORMULAS:
            assert "'" + value in cells, repr(value)
            assert value not in cells


def test_a_section_head_sees_and_downloads_their_section_only(client, login, fixture):  # noqa: F811
    _, people = fixture
    login(people["M1"])  # 課長 of 総務部総務課
    page = client.get("/hr/dashboard?fy=2026").get_data(as_text=True)
    assert "総務部総務課" in page
    text = csv_text(client.get("/hr/dashboard.csv?fy=2026"))
    assert "所属の範囲,総務部総務課" in text
    assert "テスト m,全職員,66.7,2/3,66.7,2/3" in text  # M1, M2, T2
    departments = csv_text(client.get("/hr/dashboard/m/departments.csv?fy=2026"))
    assert "総務部総務課" in departments and "市民部" not in departments
    pending = csv_text(client.get("/hr/dashboard/m/pending.csv?fy=2026"))
    assert "M2" in pending
    for staff_no in ("S1", "T1", "OTHER"):  # 市民部市民課, not yet done
        assert staff_no not in pending
    listed = client.get("/hr/dashboard/m?fy=2026").get_data(as_text=True)
    # Cells, not bare text: a random CSRF token in the page may contain "T1".
    assert "<td>M2</td>" in listed
    assert "<td>T1</td>" not in listed and "市民部市民課" not in listed
    rows = xlsx_rows(client.get("/hr/dashboard/m/pending.xlsx?fy=2026"))
    assert all("市民部市民課" not in row for row in rows)
    # Another unit's department is refused, in pages and files alike.
    other = db.session.query(Staff).filter_by(staff_no="S1").one().department_id
    for path in (
        f"/hr/dashboard/m?department={other}",
        f"/hr/dashboard/m/pending.csv?department={other}",
        f"/hr/dashboard/m/pending.pdf?department={other}",
    ):
        assert client.get(path).status_code == 403, path
    # The indicators and the imports stay HR's.
    for path in ("/hr/indicators", "/hr/roster", "/api/v1/metrics?fiscal_year=2026"):
        assert client.get(path).status_code == 403, path


def test_a_division_head_sees_every_section_of_the_division(client, login, make_user, fixture):  # noqa: F811
    _, people = fixture
    planning = make_user("P1", job_title="主事", department="総務部企画課")
    elsewhere = make_user("Z1", job_title="主事", department="市民部市民課")
    login(people["M2"])  # 部長, placed in 総務部総務課: heads 総務部
    pending = csv_text(client.get("/hr/dashboard/m/pending.csv?fy=2026"))
    assert "所属の範囲,総務部" in pending
    assert planning.staff_no in pending and elsewhere.staff_no not in pending
    text = csv_text(client.get("/hr/dashboard.csv?fy=2026"))
    assert "テスト m,全職員,50.0,2/4,50.0,2/4" in text  # M1, M2, T2, P1


def test_learners_get_403_for_every_export(client, login, make_user, fixture):  # noqa: F811
    login(make_user("L9", job_title="主事"))
    for path in (
        "/hr/dashboard.csv",
        "/hr/dashboard.xlsx",
        "/hr/dashboard.pdf",
        "/hr/dashboard/m/departments.csv",
        "/hr/dashboard/m/pending.xlsx",
    ):
        assert client.get(path).status_code == 403, path


def test_by_department_reads_division_by_division(client, hr, make_user):
    make_user("B1", job_title="部長", department="総務部")  # placed in the 部 itself
    make_user("P2", job_title="主事", department="総務部企画課")
    page = client.get("/hr/dashboard/m?fy=2026").get_data(as_text=True)
    start = page.index('id="dept-heading"')
    table = " ".join(re.sub(r"<[^>]+>", " ", page[start : page.index("</table>", start)]).split())
    # 総務部: its own 部長, 企画課 (P2) and 総務課 (M1, M2, T2, HR1): 2 of 6 completed.
    assert "総務部 （計） 33.3% 2/6 33.3% 2/6" in table
    assert "› 総務部（部付） 0.0% 0/1" in table
    assert "› 企画課 0.0% 0/1" in table and "› 総務課 50.0% 2/4" in table
    assert "市民部 （計） 25.0% 1/4 50.0% 2/4 › 市民課 25.0% 1/4 50.0% 2/4" in table
    text = csv_text(client.get("/hr/dashboard/m/departments.csv?fy=2026"))
    assert "部,所属,在籍職員数,修了率（パーセント）,修了,合格率（パーセント）,合格" in text
    assert "総務部,計,6,33.3,2,33.3,2" in text and "総務部,総務部企画課,1,0.0,0,0.0,0" in text
