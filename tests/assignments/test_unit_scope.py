"""A department head reads the assignments that reach their own unit, and only
those: another unit's assignment is a 404 on every assignment route and
export (its note, its target and its title stay unseen), as in the list."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from skillapp.assignments.services import AssignmentInput, create_assignment
from skillapp.extensions import db
from skillapp.roster.models import Department
from skillapp.util.dates import today_jst
from tests.helpers import two_choice_questions

SECRET_NOTE = "総務部だけへの連絡：人事異動の内示前に受講"


@pytest.fixture
def world(make_user, make_module):
    module = make_module("m", title="総務部向けの研修", questions=two_choice_questions())
    head = make_user("M1", name="課長 五郎", job_title="課長", department="市民部市民課")
    make_user("S2", name="市民 二郎", job_title="主事", department="市民部市民課")
    make_user("S1", name="総務 一郎", job_title="主事", department="総務部総務課")
    make_user("K1", name="係長 四郎", job_title="係長", department="総務部総務課")
    hr = make_user("HR1", roles=["hr"], job_title="係長", department="総務部人事課")
    soumu = db.session.scalar(select(Department).where(Department.name == "総務部"))
    due = today_jst() + timedelta(days=30)
    assignments = {
        "other_unit": create_assignment(
            db.session,
            AssignmentInput(
                module.id, "departments", due, department_ids=[soumu.id], note=SECRET_NOTE
            ),
            by_id=hr.id,
        ),
        # 係長 is a grade nobody in 市民部市民課 holds: it does not reach the unit either.
        "other_grade": create_assignment(
            db.session,
            AssignmentInput(module.id, "bands", due, bands=["supervisor"], note=SECRET_NOTE),
            by_id=hr.id,
        ),
        "everyone": create_assignment(
            db.session, AssignmentInput(module.id, "everyone", due, note="全員必修"), by_id=hr.id
        ),
    }
    db.session.commit()
    return {"head": head, "hr": hr, **{k: a.id for k, a in assignments.items()}}


def _reads(client, assignment_id):
    base = f"/assignments/{assignment_id}"
    return {
        url: client.get(url)
        for url in (
            base,
            f"{base}?show=all",
            f"{base}/people.csv",
            f"{base}/people.csv?encoding=cp932",
            f"{base}/people.xlsx",
            f"{base}/people.pdf",
        )
    }


def test_another_units_assignment_is_404_for_a_department_head(client, login, world):
    login(world["head"])
    for key in ("other_unit", "other_grade"):
        for url, response in _reads(client, world[key]).items():
            assert response.status_code == 404, (url, response.status_code)
            assert SECRET_NOTE not in response.get_data(as_text=True)
            assert "総務部向けの研修" not in response.get_data(as_text=True)
        # Editing and deleting are for managers only: refused before any lookup.
        assert client.get(f"/assignments/{world[key]}/edit").status_code == 403
        assert client.post(f"/assignments/{world[key]}/delete").status_code == 403
    # The list agrees: not listed either.
    listing = client.get("/assignments").get_data(as_text=True)
    assert SECRET_NOTE not in listing and f'/assignments/{world["other_unit"]}"' not in listing
    # Their own unit's assignment opens, with only their people.
    for url, response in _reads(client, world["everyone"]).items():
        assert response.status_code == 200, (url, response.status_code)
    page = client.get(f"/assignments/{world['everyone']}?show=all").get_data(as_text=True)
    assert "市民 二郎" in page and "総務 一郎" not in page


def test_hr_still_opens_every_assignment(client, login, world):
    login(world["hr"])
    for key in ("other_unit", "other_grade", "everyone"):
        for url, response in _reads(client, world[key]).items():
            assert response.status_code == 200, (url, response.status_code)
