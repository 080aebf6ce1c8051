"""Training attendance records (docs/cli-and-files.md, Files).

An attendance is identified by (研修名, 実施日, 職員番号): a row repeated in the
file is one attendance, and the same file twice changes nothing. A session's
category is taken from the file; a corrected category replaces the old one.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from skillapp.db import insert_ignore, utcnow
from skillapp.imports.models import TRAINING
from skillapp.imports.services import (
    ImportPlan,
    invalid_rows,
    read_rows,
    record_import,
    sort_problems,
    staff_ids,
)
from skillapp.training.models import TrainingAttendance, TrainingSession
from skillapp.util.dates import parse_day
from skillapp.util.spreadsheets import CellProblem, Column
from skillapp.util.text import nfkc, normalize_staff_no

COLUMNS = [
    Column("training", "研修名"),
    Column("category", "区分"),
    Column("date", "実施日"),
    Column("staff_no", "職員番号"),
]
SAMPLE_ROWS = 50


@dataclass(frozen=True)
class AttendanceRow:
    row: int
    training: str
    category: str
    held_on: date
    staff_no: str


def plan_training(session: Session, data: bytes, *, skip_invalid: bool = False) -> ImportPlan:
    """Read and check an attendance file against the roster; writes nothing."""
    plan = ImportPlan(kind=TRAINING, skip_invalid=skip_invalid)
    table = read_rows(plan, data, COLUMNS)
    if table is None:
        return plan
    header = table.headers
    parsed: list[AttendanceRow] = []
    numbers = []  # (row, staff_no) of every row, checked against the roster
    for number, raw in zip(table.row_numbers, table.rows, strict=True):
        problems = []
        training = " ".join(nfkc(raw["training"]).split())
        category = " ".join(nfkc(raw["category"]).split())
        staff_no = normalize_staff_no(raw["staff_no"])
        numbers.append((number, staff_no))
        for code, value, limit in (("training", training, 200), ("category", category, 100)):
            if not value:
                problems.append(CellProblem(number, header[code], "値が空です。"))
            elif len(value) > limit:
                problems.append(
                    CellProblem(number, header[code], f"{limit}文字以内にしてください。")
                )
        if not staff_no:
            problems.append(CellProblem(number, header["staff_no"], "職員番号が空です。"))
        try:
            held_on = parse_day(nfkc(raw["date"]))
        except ValueError:
            held_on = None
            problems.append(
                CellProblem(
                    number,
                    header["date"],
                    f"実施日「{raw['date']}」を読めません（例: 2026-06-01、2026/6/1）。",
                )
            )
        plan.problems.extend(problems)
        if not problems:
            parsed.append(AttendanceRow(number, training, category, held_on, staff_no))

    people = staff_ids(session, {staff_no for _, staff_no in numbers})
    for number, staff_no in numbers:
        if staff_no and staff_no not in people:
            plan.problems.append(
                CellProblem(
                    number, header["staff_no"], f"職員番号「{staff_no}」は職員名簿にありません。"
                )
            )
    categories: dict[tuple[str, date], AttendanceRow] = {}
    for row in parsed:
        first = categories.setdefault((row.training, row.held_on), row)
        if first.category != row.category:
            plan.problems.append(
                CellProblem(
                    row.row,
                    header["category"],
                    f"同じ研修（{row.training}、{row.held_on:%Y-%m-%d}）の区分が"
                    f"{first.row}行目の「{first.category}」と違います。",
                )
            )
    sort_problems(plan, table)
    bad = invalid_rows(plan.problems)
    rows = [r for r in parsed if r.row not in bad]

    sessions_in_file = {(r.training, r.held_on): r.category for r in rows}
    known = _known_sessions(session, list(sessions_in_file))
    recorded = set()
    session_ids = [sid for sid, _ in known.values()]
    for start in range(0, len(session_ids), 2000):
        recorded.update(
            session.execute(
                select(TrainingAttendance.session_id, TrainingAttendance.staff_id).where(
                    TrainingAttendance.session_id.in_(session_ids[start : start + 2000])
                )
            ).all()
        )

    attendances: dict[tuple, AttendanceRow] = {}
    repeated = []
    for row in rows:
        key = (row.training, row.held_on, row.staff_no)
        if key in attendances:
            repeated.append((row, attendances[key]))
            continue
        attendances[key] = row
    new = [
        row
        for (name, held_on, staff_no), row in attendances.items()
        if (known.get((name, held_on), (None,))[0], people[staff_no]) not in recorded
    ]
    recategorised = [
        (key, category, known[key][1])
        for key, category in sessions_in_file.items()
        if key in known and known[key][1] != category
    ]
    for row, first in repeated:
        plan.warnings.append(
            CellProblem(
                row.row,
                None,
                f"{first.row}行目と同じ受講（研修名・実施日・職員番号）です。1件として数えます。",
            )
        )
    plan.counts = {
        "rows": plan.rows,
        "new": len(new),
        "changed": len(recategorised),
        "unchanged": len(attendances) - len(new),
        "duplicates": len(repeated),
        "sessions_new": sum(1 for key in sessions_in_file if key not in known),
    }
    plan.samples["new"] = (
        ["行", "研修名", "区分", "実施日", "職員番号"],
        [
            [r.row, r.training, r.category, r.held_on.isoformat(), r.staff_no]
            for r in new[:SAMPLE_ROWS]
        ],
    )
    plan.samples["changed"] = (
        ["研修名", "実施日", "区分（変更前）", "区分（変更後）"],
        [
            [name, held_on.isoformat(), before, after]
            for (name, held_on), after, before in recategorised[:SAMPLE_ROWS]
        ],
    )
    plan.payload = {
        "sessions": sessions_in_file,
        "attendances": [(r.training, r.held_on, people[r.staff_no]) for r in new],
    }
    return plan


def apply_training(
    session: Session, plan: ImportPlan, *, file_name: str, data: bytes, by_user_id=None, ip=""
):
    """Write sessions and attendances in bulk; the caller commits once."""
    record = record_import(
        session, plan, file_name=file_name, data=data, by_user_id=by_user_id, ip=ip
    )
    now = utcnow()
    sessions = plan.payload["sessions"]
    insert_ignore(
        session,
        TrainingSession,
        [
            {"name": name, "held_on": held_on, "category": category, "created_at": now}
            for (name, held_on), category in sessions.items()
        ],
        ["name", "held_on"],
    )
    ids = {}
    for key, (session_id, category) in _known_sessions(session, list(sessions)).items():
        ids[key] = session_id
        if category != sessions[key]:
            session.execute(
                update(TrainingSession)
                .where(TrainingSession.id == session_id)
                .values(category=sessions[key])
            )
    values = [
        {
            "session_id": ids[(name, held_on)],
            "staff_id": staff_id,
            "import_id": record.id,
            "created_at": now,
        }
        for name, held_on, staff_id in plan.payload["attendances"]
    ]
    for start in range(0, len(values), 5000):
        insert_ignore(
            session, TrainingAttendance, values[start : start + 5000], ["session_id", "staff_id"]
        )
    session.flush()
    return record


def _known_sessions(session: Session, keys: list[tuple[str, date]]) -> dict:
    """(name, day) → (session id, category) of the sessions already recorded."""
    known = {}
    for start in range(0, len(keys), 2000):
        rows = session.execute(
            select(
                TrainingSession.id,
                TrainingSession.name,
                TrainingSession.held_on,
                TrainingSession.category,
            ).where(
                tuple_(TrainingSession.name, TrainingSession.held_on).in_(
                    keys[start : start + 2000]
                )
            )
        )
        known.update({(name, day): (sid, category) for sid, name, day, category in rows})
    return known
