"""The city's organisational order: departments in the roster's order of first
appearance (or as HR arranges them), job titles by grade and rank (as HR
arranges them), on every page, filter and export that lists them."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from skillapp.audit.models import AuditEvent
from skillapp.extensions import db
from skillapp.roster.models import Department
from tests.helpers import take, two_choice_questions
from tests.roster.test_import import HEADER, csv_bytes, run_import

# In the city's order; by character code it would be こども部, 企画部, 市民部, 総務部
# (and 総務部人事課 before 総務部総務課).
ROSTER = [
    ["2001", "総務 一郎", "総務部総務課", "課長", "正規", "在籍"],
    ["2002", "総務 二郎", "総務部総務課", "主事", "正規", "在籍"],
    ["2003", "総務 三郎", "総務部総務課", "部長", "正規", "在籍"],
    ["2004", "市民 花子", "市民部市民課", "主事", "正規", "在籍"],
    ["2005", "子ども 太郎", "こども部保育課", "係長", "正規", "在籍"],
    ["2006", "企画 次郎", "企画部企画課", "主事", "正規", "在籍"],
    ["2007", "人事 四郎", "総務部人事課", "主任", "正規", "在籍"],
]
CITY_ORDER = [
    "総務部",
    "総務部総務課",
    "総務部人事課",
    "市民部",
    "市民部市民課",
    "こども部",
    "こども部保育課",
    "企画部",
    "企画部企画課",
]


def import_roster(rows=ROSTER, as_of=date(2026, 4, 1)):
    return run_import(csv_bytes(rows, header=HEADER), as_of)


def department_id(name: str) -> int:
    return db.session.scalar(select(Department.id).where(Department.name == name))


def checkbox_order(page: str) -> list[str]:
    """Department names in the order of the assignment form's checkboxes (a 課
    is labelled without its 部, so the full name is read from its id)."""
    ids = re.findall(r'name="departments" id="department-(\d+)"', page)
    names = dict(db.session.execute(select(Department.id, Department.name)).all())
    return [names[int(i)] for i in ids]


def departments_page_order(page: str) -> list[str]:
    return re.findall(r'data-department="([^"]+)"', page)


def titles_page_order(page: str) -> list[str]:
    return re.findall(r'name="band:([^"]+)"', page)


@pytest.fixture
def hr(client, login, make_user):
    user = make_user("HR1", roles=["hr"], department="", job_title="人事担当")
    login(user)
    return user


def test_a_roster_import_keeps_the_order_of_first_appearance(client, hr):
    import_roster()
    page = client.get("/assignments/new").get_data(as_text=True)
    assert checkbox_order(page) == CITY_ORDER
    page = client.get("/hr/departments").get_data(as_text=True)
    assert departments_page_order(page) == CITY_ORDER
    # A later roster's new units come after those already known: a new 課 last
    # in its 部, a new 部 last of all.
    later = [
        ["2008", "福祉 五郎", "福祉部福祉課", "主事", "正規", "在籍"],
        ["2009", "DX 六郎", "市民部DX課", "主事", "正規", "在籍"],
    ]
    import_roster([*ROSTER, *later])
    page = client.get("/hr/departments").get_data(as_text=True)
    assert departments_page_order(page) == [
        *CITY_ORDER[:5],
        "市民部DX課",
        *CITY_ORDER[5:],
        "福祉部",
        "福祉部福祉課",
    ]


def test_a_person_added_one_at_a_time_puts_a_new_unit_last(make_user, client, hr):
    import_roster()
    make_user("X1", department="あおば部あおば課")
    page = client.get("/hr/departments").get_data(as_text=True)
    assert departments_page_order(page) == [*CITY_ORDER, "あおば部", "あおば部あおば課"]


def test_hr_reorders_departments(client, hr):
    import_roster()
    # 企画部 up past こども部; 総務部人事課 up past 総務部総務課 (within its 部).
    for name in ("企画部", "総務部人事課"):
        response = client.post(
            f"/hr/departments/{department_id(name)}/move", data={"direction": "up"}
        )
        assert response.status_code == 302
    expected = [
        "総務部",
        "総務部人事課",
        "総務部総務課",
        "市民部",
        "市民部市民課",
        "企画部",
        "企画部企画課",
        "こども部",
        "こども部保育課",
    ]
    page = client.get("/hr/departments").get_data(as_text=True)
    assert departments_page_order(page) == expected
    page = client.get("/assignments/new").get_data(as_text=True)
    assert checkbox_order(page) == expected
    # The first cannot move up, the last cannot move down: nothing changes.
    client.post(f"/hr/departments/{department_id('総務部')}/move", data={"direction": "up"})
    client.post(f"/hr/departments/{department_id('こども部')}/move", data={"direction": "down"})
    page = client.get("/hr/departments").get_data(as_text=True)
    assert departments_page_order(page) == expected
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "order_changed")
    ).all()
    assert [(e.object_type, e.object_id) for e in events] == [
        ("department", "企画部"),
        ("department", "総務部人事課"),
    ]
    assert client.post("/hr/departments/999999/move", data={"direction": "up"}).status_code == 404


def test_titles_by_grade_and_rank_and_hr_reorders_them(client, hr):
    import_roster([*ROSTER, ["2010", "特別 一郎", "市民部市民課", "主幹"]])
    page = client.get("/hr/titles").get_data(as_text=True)
    order = titles_page_order(page)
    # Grade by grade, each in its rank (部長 first), titles on no grade last.
    assert order[:5] == ["部長", "次長", "参事", "課長", "副参事"]
    assert order[5:9] == ["課長補佐", "課長代理", "係長", "主任"]
    assert order[9:14] == ["主査", "主事", "主事補", "技師", "技師補"]
    assert order[14:] == ["主幹", "人事担当"] or order[14:] == ["人事担当", "主幹"]
    # HR puts 課長 above 参事, and 主幹 into 課長代理・係長・主任: last of that grade.
    response = client.post("/hr/titles/move", data={"title": "課長", "direction": "up"})
    assert response.status_code == 302
    client.post("/hr/titles", data={"band:主幹": "supervisor"})
    order = titles_page_order(client.get("/hr/titles").get_data(as_text=True))
    assert order[:5] == ["部長", "次長", "課長", "参事", "副参事"]
    assert order[5:10] == ["課長補佐", "課長代理", "係長", "主任", "主幹"]
    client.post("/hr/titles/move", data={"title": "主幹", "direction": "up"})
    order = titles_page_order(client.get("/hr/titles").get_data(as_text=True))
    assert order[5:10] == ["課長補佐", "課長代理", "係長", "主幹", "主任"]
    response = client.post("/hr/titles/move", data={"title": "無い", "direction": "up"})
    assert response.status_code == 404


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return [line.split(",") for line in response.data.decode("utf-8-sig").splitlines()]


def test_the_dashboard_and_its_exports_follow_the_order(client, hr, make_module):
    module = make_module("m", kind="assessment", questions=two_choice_questions())
    import_roster()
    take(hr, module, "2026-06-01T10:00:00+09:00", right=10)  # HR1 has passed: not listed
    page = client.get("/hr/dashboard/m?fy=2026").get_data(as_text=True)
    select_ = page[page.index('<select id="department"') :]
    select_ = select_[: select_.index("</select>")]
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select_)
    assert options == [n for n in CITY_ORDER if n not in ("総務部", "市民部", "こども部", "企画部")]
    # The by-department table, 部 by 部 (its total, then its units).
    rows = csv_rows(client.get("/hr/dashboard/m/departments.csv?fy=2026"))
    start = next(i for i, row in enumerate(rows) if row[0] == "部") + 1
    assert [(row[0], row[1]) for row in rows[start:]] == [
        ("総務部", "計"),
        ("総務部", "総務部総務課"),
        ("総務部", "総務部人事課"),
        ("市民部", "計"),
        ("市民部", "市民部市民課"),
        ("こども部", "計"),
        ("こども部", "こども部保育課"),
        ("企画部", "計"),
        ("企画部", "企画部企画課"),
        ("", "—"),  # HR1, in no department: last
    ]
    # The not-yet list: by department, then by job title (部長 before 課長 before 主事).
    rows = csv_rows(client.get("/hr/dashboard/m/pending.csv?fy=2026"))
    start = next(i for i, row in enumerate(rows) if row[0] == "職員番号") + 1
    assert [row[0] for row in rows[start:]] == [
        "2003",
        "2001",
        "2002",
        "2007",
        "2004",
        "2005",
        "2006",
    ]
    # HR's order is followed at once, here and in the assignment's people.
    client.post(f"/hr/departments/{department_id('企画部')}/move", data={"direction": "up"})
    client.post(f"/hr/departments/{department_id('企画部')}/move", data={"direction": "up"})
    rows = csv_rows(client.get("/hr/dashboard/m/pending.csv?fy=2026"))
    assert [row[0] for row in rows[start:]] == [
        "2003",
        "2001",
        "2002",
        "2007",
        "2006",
        "2004",
        "2005",
    ]
    response = client.post(
        "/assignments/new",
        data={"module_id": module.id, "target": "everyone", "due_on": "2099-03-31", "note": ""},
    )
    assert response.status_code == 302
    rows = csv_rows(client.get(response.location + "/people.csv"))
    start = next(i for i, row in enumerate(rows) if row[0] == "職員番号") + 1
    assert [row[0] for row in rows[start:]] == [
        "2003",
        "2001",
        "2002",
        "2007",
        "2006",
        "2004",
        "2005",
    ]


def test_parallel_moves_take_turns(app):
    """Eight HR moves at once, each of another 部 up a place: each applies on
    the order the one before left, so the places stay distinct."""
    import threading

    from skillapp.roster import services

    import_roster(
        [[f"{3000 + i}", "名前", f"第{i}部第{i}課", "主事", "正規", "在籍"] for i in range(1, 10)]
    )
    ids = [department_id(f"第{i}部") for i in range(2, 10)]
    barrier = threading.Barrier(len(ids))
    moved, errors = [], []

    def move(department_id_):
        with app.app_context():
            try:
                barrier.wait()
                department = db.session.get(Department, department_id_)
                moved.append(services.move_department(db.session, department, -1))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 — collected and asserted below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=move, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    db.session.expire_all()
    tops = db.session.scalars(
        select(Department.position).where(Department.parent_id.is_(None))
    ).all()
    assert len(set(tops)) == len(tops) == 9, sorted(tops)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "order_changed"))
    assert len(events.all()) == moved.count(True) == len(ids)
