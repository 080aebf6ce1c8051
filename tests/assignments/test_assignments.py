"""Assignments against a small fixture: who is assigned, who is done, who is
overdue, what learners see, and who may do what.

Fixture (roster as it stands today):
  S1 主事 総務部総務課   read both lessons, passed 80        → module done
  S2 主査 市民部市民課   passed 100 but read one lesson      → module not done
  S3 主事 総務部人事課   nothing; assessment passed in another system (75)
  K1 係長 総務部総務課   nothing
  M1 課長 市民部市民課   nothing (a department head)
  GONE 主事 総務部総務課 inactive: assigned to nothing
Assignments, all due today (so nobody is overdue until tomorrow):
  staff    module m to the 主査・主事 grade              → S1, S2, S3
  soumu    module m to 総務部 (a 部: its 課 included)     → S1, S3, K1
  everyone assessment a to everyone                      → all five
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from skillapp.assessment.models import ExternalResult
from skillapp.assignments import queries
from skillapp.assignments.models import Assignment
from skillapp.assignments.services import (
    AssignmentError,
    AssignmentInput,
    create_assignment,
    delete_assignment,
    update_assignment,
)
from skillapp.audit.models import AuditEvent
from skillapp.extensions import db
from skillapp.learning.services import record_lesson_view
from skillapp.roster.models import Department
from skillapp.util.dates import JST, today_jst
from tests.helpers import take, two_choice_questions


def _department(name):
    return db.session.scalar(select(Department).where(Department.name == name))


@pytest.fixture
def world(make_user, make_module):
    module = make_module("m", questions=two_choice_questions())
    assessment = make_module("a", kind="assessment", questions=two_choice_questions())
    lessons = [lesson.key for lesson in module.current_version.lessons]
    people = {
        "S1": make_user("S1", name="総務 一郎", job_title="主事", department="総務部総務課"),
        "S2": make_user("S2", name="市民 二郎", job_title="主査", department="市民部市民課"),
        "S3": make_user("S3", name="人事 三郎", job_title="主事", department="総務部人事課"),
        "K1": make_user("K1", name="係長 四郎", job_title="係長", department="総務部総務課"),
        "M1": make_user("M1", name="課長 五郎", job_title="課長", department="市民部市民課"),
        "GONE": make_user("GONE", job_title="主事", department="総務部総務課", is_active=False),
    }
    for key in lessons:
        record_lesson_view(db.session, people["S1"].id, module, key)
    record_lesson_view(db.session, people["S2"].id, module, lessons[0])
    db.session.add(
        ExternalResult(
            staff_id=people["S3"].staff_id,
            module_id=assessment.id,
            score=75,
            taken_at=datetime(2026, 5, 1, 1, 0, tzinfo=UTC),
        )
    )
    db.session.commit()
    take(people["S1"], module, "2026-05-01T10:00:00+09:00", right=8)
    take(people["S2"], module, "2026-05-02T10:00:00+09:00", right=10)
    hr = make_user("HR1", roles=["hr"], job_title="係長", department="総務部人事課")
    today = today_jst()
    assignments = {
        "staff": create_assignment(
            db.session,
            AssignmentInput(module.id, "bands", today, bands=["staff"], note="主査・主事は必修"),
            by_id=hr.id,
        ),
        "soumu": create_assignment(
            db.session,
            AssignmentInput(
                module.id,
                "departments",
                today,
                department_ids=[_department("総務部").id],
                note="総務部向けの連絡",
            ),
            by_id=hr.id,
        ),
        "everyone": create_assignment(
            db.session, AssignmentInput(assessment.id, "everyone", today), by_id=hr.id
        ),
    }
    db.session.commit()
    return {"module": module, "assessment": assessment, "people": people, "hr": hr, **assignments}


def _who(assignment, **kwargs):
    return {
        p.staff_no: p.status.code
        for p in queries.people(db.session, assignment, show=queries.SHOW_ALL, **kwargs)
    }


def test_band_target_and_module_completion(world):
    # The HR user is a 係長, the inactive person counts nowhere.
    assert _who(world["staff"]) == {"S1": "done", "S2": "pending", "S3": "pending"}
    assert queries.summary(db.session, world["staff"]) == queries.Summary(3, 1, 0)


def test_a_division_includes_its_sections(world):
    # 総務部 is chosen: 総務部総務課 and 総務部人事課 are under it; HR1 is in 人事課.
    assert _who(world["soumu"]) == {
        "S1": "done",
        "S3": "pending",
        "K1": "pending",
        "HR1": "pending",
    }


def test_a_section_alone(world, make_user):
    section = create_assignment(
        db.session,
        AssignmentInput(
            world["module"].id,
            "departments",
            today_jst(),
            department_ids=[_department("市民部市民課").id],
        ),
        by_id=world["hr"].id,
    )
    db.session.commit()
    assert set(_who(section)) == {"S2", "M1"}


def test_assessment_passed_elsewhere_counts_as_done(world):
    statuses = _who(world["everyone"])
    assert statuses == {
        "S1": "pending",
        "S2": "pending",
        "S3": "done",  # 75 imported from another system
        "K1": "pending",
        "M1": "pending",
        "HR1": "pending",
    }


def test_overdue_from_the_day_after_the_due_date_in_japan_time(world):
    due = world["staff"].due_on
    last_second = datetime.combine(due, time(23, 59, 59), JST)
    next_day = last_second + timedelta(seconds=1)
    on_the_day = today_jst(last_second.astimezone(UTC))
    after = today_jst(next_day.astimezone(UTC))
    assert (on_the_day, after) == (due, due + timedelta(days=1))
    assert queries.status_of(False, due, on_the_day) == queries.Status("pending", 0)
    assert queries.status_of(False, due, after) == queries.Status("overdue", 1)
    assert queries.status_of(True, due, after) == queries.Status("done", 0)
    assert queries.summary(db.session, world["staff"], today=on_the_day).overdue == 0
    assert queries.summary(db.session, world["staff"], today=after) == queries.Summary(3, 1, 2)
    overdue = queries.people(db.session, world["staff"], today=after + timedelta(days=2))
    # In the city's order: 総務部 (人事課: S3) came first on the roster, then 市民部 (S2).
    assert [(p.staff_no, p.status) for p in overdue] == [
        ("S3", queries.Status("overdue", 3)),
        ("S2", queries.Status("overdue", 3)),
    ]


def test_new_staff_in_the_band_are_included_and_leavers_are_not(world, make_user):
    from skillapp.roster.services import StaffInput, upsert_staff

    make_user("NEW", job_title="技師", department="建設部道路課")
    # S2 is promoted to 係長 today: no longer in the 主査・主事 grade.
    upsert_staff(db.session, StaffInput("S2", "市民 二郎", "市民部市民課", "係長"))
    db.session.commit()
    assert _who(world["staff"]) == {"S1": "done", "S3": "pending", "NEW": "pending"}


def test_filters_and_the_open_list(world):
    open_people = queries.people(db.session, world["everyone"])
    assert "S3" not in [p.staff_no for p in open_people]  # done: not in the open list
    staff = queries.people(db.session, world["everyone"], band="staff")
    # In the city's order: 総務部 came first on the roster (not by name: 市民部 < 総務部).
    assert [p.staff_no for p in staff] == ["S1", "S2"]
    section = _department("総務部総務課")
    assert [p.staff_no for p in queries.people(
        db.session, world["everyone"], department_id=section.id
    )] == ["K1", "S1"]  # fmt: skip


def test_learner_sees_what_is_required_of_them(client, login, world):
    people = world["people"]
    mine = queries.requirements_for(db.session, people["S2"].staff_id)
    assert [(r.module.slug, r.status.code) for r in mine] == [("m", "pending"), ("a", "pending")]
    # S1 has two assignments of module m (grade and 総務部): one line, done last.
    s1 = queries.requirements_for(db.session, people["S1"].staff_id)
    assert [(r.module.slug, r.status.code) for r in s1] == [("a", "pending"), ("m", "done")]
    login(people["S2"])
    page = client.get("/").get_data(as_text=True)
    assert "あなたの必修" in page
    assert "主査・主事は必修" in page  # the note of the assignment that reaches S2
    assert "総務部向けの連絡" not in page  # someone else's assignment
    assert "今日が期限" in page


def test_learner_sees_overdue_marked_in_words(client, login, world):
    world["staff"].due_on = today_jst() - timedelta(days=2)
    db.session.commit()
    login(world["people"]["S2"])
    page = client.get("/").get_data(as_text=True)
    assert "期限超過（2日）" in page and "⚠" in page


def test_nothing_required_shows_no_section(client, login, make_user, make_module):
    make_module("m")
    login(make_user())
    assert "あなたの必修" not in client.get("/").get_data(as_text=True)


def test_archived_modules_are_not_shown_to_learners(world):
    world["module"].is_archived = True
    db.session.commit()
    mine = queries.requirements_for(db.session, world["people"]["S2"].staff_id)
    assert [r.module.slug for r in mine] == ["a"]


# ---------------------------------------------------------------- services


def test_validation_reports_every_problem_and_saves_nothing(world):
    before = db.session.scalar(select(db.func.count()).select_from(Assignment))
    with pytest.raises(AssignmentError) as caught:
        create_assignment(
            db.session,
            AssignmentInput(None, "bands", today_jst() - timedelta(days=1), bands=[]),
            by_id=world["hr"].id,
        )
    db.session.rollback()
    assert set(caught.value.errors) == {"module_id", "bands", "due_on"}
    with pytest.raises(AssignmentError) as caught:
        create_assignment(
            db.session,
            AssignmentInput(world["module"].id, "departments", today_jst(), department_ids=[999]),
            by_id=world["hr"].id,
        )
    db.session.rollback()
    assert set(caught.value.errors) == {"departments"}
    assert db.session.scalar(select(db.func.count()).select_from(Assignment)) == before


def test_changes_are_audit_logged(world):
    assignment = world["staff"]
    hr = world["hr"]
    created = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "assignment_created", AuditEvent.object_id == str(assignment.id)
        )
    )
    assert created.detail["bands"] == ["staff"] and created.detail["module"] == "m"
    later = today_jst() + timedelta(days=30)
    data = AssignmentInput(assignment.module_id, "bands", later, bands=["staff", "supervisor"])
    assert update_assignment(db.session, assignment, data, by_id=hr.id) is True
    db.session.commit()
    changed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment_changed"))
    assert changed.detail["changed"]["due_on"] == [today_jst().isoformat(), later.isoformat()]
    assert changed.detail["changed"]["bands"] == [["staff"], ["staff", "supervisor"]]
    # The same again changes nothing and logs nothing.
    assert update_assignment(db.session, assignment, data, by_id=hr.id) is False
    db.session.commit()
    events = select(AuditEvent).where(AuditEvent.action == "assignment_changed")
    assert len(db.session.scalars(events).all()) == 1
    delete_assignment(db.session, assignment, by_id=hr.id)
    db.session.commit()
    deleted = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment_deleted"))
    assert deleted.detail["due_on"] == later.isoformat()


def test_a_past_due_date_can_be_kept_but_not_chosen(world):
    assignment = world["staff"]
    past = today_jst() - timedelta(days=5)
    assignment.due_on = past
    db.session.commit()
    keep = AssignmentInput(assignment.module_id, "bands", past, bands=["staff"], note="追記")
    assert update_assignment(db.session, assignment, keep, by_id=world["hr"].id)
    earlier = AssignmentInput(
        assignment.module_id, "bands", past - timedelta(days=1), bands=["staff"]
    )
    with pytest.raises(AssignmentError):
        update_assignment(db.session, assignment, earlier, by_id=world["hr"].id)
    db.session.rollback()


# ---------------------------------------------------------------- pages


def test_hr_creates_an_assignment_through_the_form(client, login, world):
    login(world["hr"])
    form = client.get("/assignments/new").get_data(as_text=True)
    assert "主査・主事" in form and "総務部" in form
    due = (today_jst() + timedelta(days=14)).isoformat()
    response = client.post(
        "/assignments/new",
        data={
            "module_id": world["module"].id,
            "target": "bands",
            "bands": ["staff"],
            "due_on": due,
            "note": "年内に受講してください",
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(select(Assignment).order_by(Assignment.id.desc()))
    assert (created.target, created.bands, created.due_on.isoformat()) == ("bands", ["staff"], due)
    page = client.get(response.location).get_data(as_text=True)
    assert "職層: 主査・主事" in page and "あと14日" in page


def test_the_form_shows_problems_in_japanese_and_saves_nothing(client, login, world):
    login(world["hr"])
    count = db.session.scalar(select(db.func.count()).select_from(Assignment))
    response = client.post(
        "/assignments/new",
        data={"module_id": world["module"].id, "target": "departments", "due_on": "2020-01-01"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "部署を1つ以上選んでください" in page
    assert "期限は今日以降の日付にしてください" in page
    assert db.session.scalar(select(db.func.count()).select_from(Assignment)) == count


def test_author_edits_and_deletes(client, login, make_user, world):
    author = make_user(roles=["author"])
    login(author)
    assignment_id, module_id = world["staff"].id, world["staff"].module_id
    due = (today_jst() + timedelta(days=3)).isoformat()
    response = client.post(
        f"/assignments/{assignment_id}/edit",
        data={
            "module_id": module_id,
            "target": "everyone",
            "due_on": due,
            "note": "",
        },
    )
    assert response.status_code == 302
    assert db.session.get(Assignment, assignment_id).target == "everyone"
    response = client.post(f"/assignments/{assignment_id}/delete")
    assert response.status_code == 302
    db.session.expunge_all()
    assert db.session.get(Assignment, assignment_id) is None


def test_hr_reads_who_is_overdue_and_exports_it(client, login, world):
    from skillapp.roster.services import StaffInput, upsert_staff

    upsert_staff(
        db.session, StaffInput("EVIL", '=HYPERLINK("x")', "総務部総務課", "主事")
    )  # fmt: skip
    world["staff"].due_on = today_jst() - timedelta(days=1)
    db.session.commit()
    login(world["hr"])
    page = client.get(f"/assignments/{world['staff'].id}").get_data(as_text=True)
    assert "期限超過（1日）" in page
    assert "市民 二郎" in page and "総務 一郎" not in page  # S1 is done
    everyone = client.get(f"/assignments/{world['staff'].id}?show=all").get_data(as_text=True)
    assert "総務 一郎" in everyone
    response = client.get(f"/assignments/{world['staff'].id}/people.csv?band=staff")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert today_jst().isoformat() in text  # the as-of date
    assert "主査・主事" in text  # the filter
    assert "期限超過（1日）" in text
    cp932 = client.get(f"/assignments/{world['staff'].id}/people.csv?encoding=cp932")
    assert "市民 二郎" in cp932.data.decode("cp932")
    xlsx = client.get(f"/assignments/{world['staff'].id}/people.xlsx?department=1")
    assert xlsx.data[:2] == b"PK"
    exports = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.object_type == "assignment_people"
        )
    ).all()
    assert [e.detail["format"] for e in exports] == ["csv", "csv", "xlsx"]
    assert exports[0].detail["band"] == "staff"
    assert client.get(f"/assignments/{world['staff'].id}/people.docx").status_code == 404


def test_the_list_counts_each_assignment(client, login, world):
    login(world["hr"])
    page = client.get("/assignments").get_data(as_text=True)
    assert page.count("テスト m") == 2 and "テスト a" in page
    assert "職層: 主査・主事" in page and "所属: 総務部" in page and "全職員" in page


def test_learners_get_403_on_every_management_page(client, login, world):
    login(world["people"]["S2"])
    assignment = world["staff"]
    for method, path in [
        ("GET", "/assignments"),
        ("GET", "/assignments/new"),
        ("POST", "/assignments/new"),
        ("GET", f"/assignments/{assignment.id}"),
        ("GET", f"/assignments/{assignment.id}/edit"),
        ("POST", f"/assignments/{assignment.id}/edit"),
        ("POST", f"/assignments/{assignment.id}/delete"),
        ("GET", f"/assignments/{assignment.id}/people.csv"),
    ]:
        assert client.open(path, method=method).status_code == 403, path
    assert db.session.get(Assignment, assignment.id) is not None


def test_a_department_head_sees_their_own_unit_read_only(client, login, world):
    login(world["people"]["M1"])  # 課長 of 市民部市民課
    listing = client.get("/assignments").get_data(as_text=True)
    # The 総務部 assignment reaches nobody in 市民部市民課: not listed.
    assert "所属: 総務部" not in listing and "職層: 主査・主事" in listing
    assert "新しく指定する" not in listing
    page = client.get(f"/assignments/{world['everyone'].id}?show=all").get_data(as_text=True)
    assert "市民 二郎" in page and "課長 五郎" in page
    assert "総務 一郎" not in page and "人事 三郎" not in page
    section = _department("総務部総務課")
    assert (
        client.get(f"/assignments/{world['everyone'].id}?department={section.id}").status_code
        == 403
    )
    assert client.get(f"/assignments/{world['everyone'].id}/edit").status_code == 403
    assert client.post(f"/assignments/{world['everyone'].id}/delete").status_code == 403


def test_a_missing_assignment_is_404(client, login, world):
    login(world["hr"])
    assert client.get("/assignments/999999").status_code == 404
    assert client.get("/assignments/999999/edit").status_code == 404
