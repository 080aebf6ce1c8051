"""Assessment results from another e-learning system (docs/cli-and-files.md, Files).

Parse → validate every row → plan → write in bulk. A result is identified by
(person, assessment, moment taken): the same file twice changes nothing, and a
corrected score for the same sitting replaces the old one.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from skillapp.assessment.models import ExternalResult
from skillapp.auth.models import User
from skillapp.db import upsert, utcnow
from skillapp.imports.models import RESULTS
from skillapp.imports.services import (
    ImportPlan,
    invalid_rows,
    read_rows,
    record_import,
    sort_problems,
    staff_ids,
)
from skillapp.learning.models import Module
from skillapp.metrics.progress import refresh_progress
from skillapp.util.dates import JST, parse_local_datetime
from skillapp.util.spreadsheets import CellProblem, Column
from skillapp.util.text import nfkc, normalize_staff_no

COLUMNS = [
    Column("staff_no", "職員番号"),
    Column("assessment", "科目コード"),
    Column("score", "点数"),
    Column("taken_at", "受験日時"),
]
SAMPLE_ROWS = 50


@dataclass(frozen=True)
class ResultRow:
    row: int
    staff_no: str
    assessment: str
    score: float
    taken_at: datetime  # UTC


def plan_results(session: Session, data: bytes, *, skip_invalid: bool = False) -> ImportPlan:
    """Read and check a results file against the roster and the assessments;
    writes nothing."""
    plan = ImportPlan(kind=RESULTS, skip_invalid=skip_invalid)
    table = read_rows(plan, data, COLUMNS)
    if table is None:
        return plan
    header = table.headers
    parsed: list[ResultRow] = []
    identities = []  # (row, staff_no, code) of every row, checked against the database
    for number, raw in zip(table.row_numbers, table.rows, strict=True):
        problems = []
        staff_no = normalize_staff_no(raw["staff_no"])
        if not staff_no:
            problems.append(CellProblem(number, header["staff_no"], "職員番号が空です。"))
        code = nfkc(raw["assessment"])
        identities.append((number, staff_no, code))
        if not code:
            problems.append(CellProblem(number, header["assessment"], "科目コードが空です。"))
        score = _score(raw["score"])
        if score is None:
            problems.append(
                CellProblem(
                    number,
                    header["score"],
                    f"点数「{raw['score']}」は0〜100の数で書いてください。",
                )
            )
        try:
            taken_at = parse_local_datetime(nfkc(raw["taken_at"]))
        except ValueError:
            taken_at = None
            problems.append(
                CellProblem(
                    number,
                    header["taken_at"],
                    f"受験日時「{raw['taken_at']}」を読めません"
                    "（例: 2026-10-01T10:00:00+09:00、2026/10/1 10:00）。",
                )
            )
        plan.problems.extend(problems)
        if not problems:
            parsed.append(ResultRow(number, staff_no, code, score, taken_at))
    people = staff_ids(session, {staff_no for _, staff_no, _ in identities})
    modules = dict(
        session.execute(
            select(Module.slug, Module.id).where(
                Module.slug.in_({code for _, _, code in identities})
            )
        ).all()
    )
    for number, staff_no, code in identities:
        if staff_no and staff_no not in people:
            plan.problems.append(
                CellProblem(
                    number, header["staff_no"], f"職員番号「{staff_no}」は職員名簿にありません。"
                )
            )
        if code and code not in modules:
            plan.problems.append(
                CellProblem(
                    number,
                    header["assessment"],
                    f"科目コード「{code}」の教材・テストがありません。",
                )
            )
    sort_problems(plan, table)
    seen: dict[tuple, ResultRow] = {}
    for row in parsed:
        key = (row.staff_no, row.assessment, row.taken_at)
        earlier = seen.get(key)
        if earlier is not None and earlier.score != row.score:
            plan.problems.append(
                CellProblem(
                    row.row,
                    header["score"],
                    f"{earlier.row}行目と同じ受験（職員・科目・日時）で点数が違います。",
                )
            )
        seen.setdefault(key, row)
    bad = invalid_rows(plan.problems)
    keep = {}
    for row in parsed:
        if row.row in bad:
            continue
        keep.setdefault(
            (people[row.staff_no], modules[row.assessment], row.taken_at), (row, row.score)
        )

    existing = {}
    keys = list(keep)
    for start in range(0, len(keys), 2000):
        chunk = keys[start : start + 2000]
        existing.update(
            {
                (s, m, _utc(t)): score
                for s, m, t, score in session.execute(
                    select(
                        ExternalResult.staff_id,
                        ExternalResult.module_id,
                        ExternalResult.taken_at,
                        ExternalResult.score,
                    ).where(
                        tuple_(
                            ExternalResult.staff_id,
                            ExternalResult.module_id,
                            ExternalResult.taken_at,
                        ).in_(chunk)
                    )
                )
            }
        )
    new, changed = [], []
    for key, (row, score) in keep.items():
        if key not in existing:
            new.append((key, row))
        elif existing[key] != score:
            changed.append((key, row, existing[key]))
    plan.counts = {
        "rows": plan.rows,
        "new": len(new),
        "changed": len(changed),
        "unchanged": len(keep) - len(new) - len(changed),
        "duplicates": sum(1 for r in parsed if r.row not in bad) - len(keep),
    }
    headers = ["行", "職員番号", "科目コード", "点数", "受験日時"]
    plan.samples["new"] = (headers, [_sample(row) for _, row in new[:SAMPLE_ROWS]])
    plan.samples["changed"] = (
        [*headers, "変更前の点数"],
        [[*_sample(row), _number(before)] for _, row, before in changed[:SAMPLE_ROWS]],
    )
    plan.payload = [(key, row.score) for key, row in new] + [
        (key, row.score) for key, row, _ in changed
    ]
    return plan


def apply_results(
    session: Session, plan: ImportPlan, *, file_name: str, data: bytes, by_user_id=None, ip=""
):
    """Write the planned results in bulk; the caller commits once."""
    record = record_import(
        session, plan, file_name=file_name, data=data, by_user_id=by_user_id, ip=ip
    )
    now = utcnow()
    values = [
        {
            "staff_id": staff_id,
            "module_id": module_id,
            "taken_at": taken_at,
            "score": score,
            "import_id": record.id,
            "created_at": now,
        }
        for (staff_id, module_id, taken_at), score in plan.payload
    ]
    for start in range(0, len(values), 5000):
        upsert(
            session,
            ExternalResult,
            values[start : start + 5000],
            ["staff_id", "module_id", "taken_at"],
            ["score", "import_id"],
        )
    by_module: dict[int, set[int]] = {}
    for (staff_id, module_id, _taken_at), _score in plan.payload:
        by_module.setdefault(module_id, set()).add(staff_id)
    for module_id, module_staff in by_module.items():
        staff_list = sorted(module_staff)
        user_ids = []
        for start in range(0, len(staff_list), 2000):
            user_ids += session.scalars(
                select(User.id).where(User.staff_id.in_(staff_list[start : start + 2000]))
            ).all()
        refresh_progress(session, user_ids, [module_id])
    session.flush()
    return record


def _score(text: str) -> float | None:
    try:
        value = float(nfkc(text).rstrip("点"))
    except ValueError:
        return None
    if math.isnan(value) or not 0 <= value <= 100:
        return None
    return value


def _utc(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _sample(row: ResultRow) -> list:
    local = row.taken_at.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")
    return [row.row, row.staff_no, row.assessment, _number(row.score), local]
