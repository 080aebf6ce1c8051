"""The roster import: parse → validate every row → plan → write all at once.

Rows become plain records here; the plan compares them with each person's state
on the as-of day; applying writes staff, history, departments and accounts with
bulk statements in the caller's single transaction.
"""

import hashlib
import re
import secrets
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date

from flask import current_app, has_app_context
from sqlalchemy import Date, Integer, bindparam, func, insert, literal, select, update
from sqlalchemy.orm import Session

from skillapp.audit.services import record_event
from skillapp.auth.models import AuthSession, User
from skillapp.auth.passwords import hash_one_time_passwords
from skillapp.db import bulk_insert, foreign_keys_checked_once, utcnow
from skillapp.metrics.progress import refresh_roster_progress
from skillapp.roster.models import Department, RosterImport, Staff, StaffState
from skillapp.roster.services import (
    SNAPSHOT_FIELDS,
    link_history,
    next_department_position,
    parent_unit_name,
    state_at,
    title_band_map,
)
from skillapp.util.dates import today_jst
from skillapp.util.spreadsheets import (
    CellProblem,
    Column,
    SpreadsheetError,
    read_table,
    skip_invalid_rows,
)
from skillapp.util.text import nfkc, normalize_staff_no

COLUMNS = [
    Column("staff_no", "職員番号"),
    Column("name", "氏名"),
    Column("department", "所属"),
    Column("job_title", "職名"),
    Column("employment_type", "雇用区分", required=False),
    Column("active", "在籍", required=False),
    Column("email", "メール", required=False, aliases=("メールアドレス",)),
]
_ACTIVE = {"", "在籍", "在職", "true", "1", "yes", "y", "○", "有効"}
_INACTIVE = {"退職", "離職", "false", "0", "no", "n", "×", "無効"}
_STAFF_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_FIELDS = ("name", "department", "job_title", "employment_type", "email", "is_active")
# Optional columns that a file may leave out: a column absent from the file
# leaves everyone's value as it is; only a present, empty cell clears one.
# (在籍 is different: without the column everyone in the file is in post.)
KEEP_WHEN_ABSENT = ("employment_type", "email")


@dataclass(frozen=True)
class RosterRow:
    row: int
    staff_no: str
    name: str
    department: str
    job_title: str
    # None: the file has no such column, so the value on record stays.
    employment_type: str | None
    email: str | None
    is_active: bool


def parse_roster(data: bytes) -> tuple[list[RosterRow], list[CellProblem]]:
    """Every row of a roster file, or every problem with its row and column."""
    parsed = _parse(data)
    return parsed.rows, parsed.problems


@dataclass
class _Parsed:
    rows: list[RosterRow]  # the rows without problems
    problems: list[CellProblem]
    staff_nos: dict[int, str] = field(default_factory=dict)  # every data row's, as read
    staff_no_header: str = "職員番号"
    fatal: bool = False  # a problem of the file as a whole: no row can be imported


def _parse(data: bytes) -> _Parsed:
    try:
        table = read_table(data, COLUMNS)
    except SpreadsheetError as error:
        return _Parsed([], error.problems, fatal=True)
    header = table.headers
    rows, problems = [], []
    seen: dict[str, int] = {}
    staff_nos: dict[int, str] = {}
    for number, raw in zip(table.row_numbers, table.rows, strict=True):
        row_problems = []
        staff_no = normalize_staff_no(raw["staff_no"])
        staff_nos[number] = staff_no
        if not staff_no:
            row_problems.append(CellProblem(number, header["staff_no"], "職員番号が空です。"))
        elif not _STAFF_NO.match(staff_no):
            row_problems.append(
                CellProblem(
                    number,
                    header["staff_no"],
                    f"職員番号「{staff_no}」に使えない文字があります（英数字・ハイフン・下線、32文字まで）。",
                )
            )
        elif staff_no in seen:
            row_problems.append(
                CellProblem(
                    number,
                    header["staff_no"],
                    f"職員番号「{staff_no}」が{seen[staff_no]}行目と重複しています。",
                )
            )
        else:
            seen[staff_no] = number
        values = {}
        for code, limit in (("name", 200), ("department", 200), ("job_title", 100)):
            value = " ".join(nfkc(raw[code]).split()) if code != "name" else raw[code].strip()
            if not value:
                row_problems.append(CellProblem(number, header[code], "値が空です。"))
            elif len(value) > limit:
                row_problems.append(
                    CellProblem(number, header[code], f"{limit}文字以内にしてください。")
                )
            values[code] = value
        active_text = nfkc(raw.get("active", "")).lower()
        if active_text in _ACTIVE:
            is_active = True
        elif active_text in _INACTIVE:
            is_active = False
        else:
            is_active = True
            row_problems.append(
                CellProblem(
                    number,
                    header["active"],
                    f"「{raw.get('active')}」は在籍の値として読めません（在籍／退職、1／0、true／false）。",
                )
            )
        email = None if "email" not in raw else nfkc(raw["email"])
        if email and ("@" not in email or len(email) > 254 or " " in email):
            row_problems.append(
                CellProblem(
                    number, header["email"], f"メールアドレス「{email}」の形式が正しくありません。"
                )
            )
        problems.extend(row_problems)
        if not row_problems:
            rows.append(
                RosterRow(
                    row=number,
                    staff_no=staff_no,
                    name=values["name"],
                    department=values["department"],
                    job_title=values["job_title"],
                    employment_type=(
                        nfkc(raw["employment_type"]) if "employment_type" in raw else None
                    ),
                    email=email,
                    is_active=is_active,
                )
            )
    if not table.rows and not problems:
        problems.append(CellProblem(None, None, "データの行がありません。"))
    return _Parsed(rows, problems, staff_nos, header["staff_no"], fatal=not table.rows)


@dataclass
class SkippedRows:
    """The rows left out of an import whose user chose to skip invalid rows."""

    problems: list[CellProblem]  # every problem of every skipped row, in file order
    staff_nos: set[str]  # the 職員番号 on skipped rows: these people are in the file

    @property
    def count(self) -> int:
        return len({p.row for p in self.problems})


@dataclass
class RosterFile:
    """A roster file read for import: the rows to import, or the problems that
    stop it; with "skip invalid rows", the rows left out as well."""

    rows: list[RosterRow]
    problems: list[CellProblem]
    skipped: SkippedRows | None = None  # None: all or nothing


def read_roster(
    data: bytes, *, skip_invalid: bool = False, deactivate_missing: bool = False
) -> RosterFile:
    """Read a roster file. By default any problem stops the import. With
    ``skip_invalid`` the rows without problems are imported and the others are
    set aside and listed; problems of the file itself still stop it.

    Of two rows with the same 職員番号 the first is imported and the later one
    skipped, as the parser reports the later one. A person whose 職員番号 is on
    a skipped row is in the file: ``deactivate_missing`` leaves them alone; when
    a skipped row's 職員番号 cannot be read at all, nobody can tell who it is,
    so ``deactivate_missing`` is refused.
    """
    parsed = _parse(data)
    if not skip_invalid or parsed.fatal:
        return RosterFile(parsed.rows, parsed.problems)
    try:
        rows, skipped = skip_invalid_rows(parsed.rows, parsed.problems)
    except SpreadsheetError as error:
        return RosterFile([], error.problems)
    readable = {
        p.row: parsed.staff_nos.get(p.row, "")
        for p in skipped
        if _STAFF_NO.match(parsed.staff_nos.get(p.row, ""))
    }
    unknown = [p for p in skipped if p.row not in readable]
    if deactivate_missing and unknown:
        return RosterFile(
            [],
            [
                *unknown,
                CellProblem(
                    None,
                    parsed.staff_no_header,
                    "職員番号を読めない行があるため、ファイルにない職員を退職にできません。"
                    "この行を直すか、退職にする指定を外してください。",
                ),
            ],
        )
    return RosterFile(rows, [], SkippedRows(skipped, set(readable.values())))


@dataclass
class Change:
    row: RosterRow
    staff_id: int
    before: dict
    fields: list[str]


@dataclass
class RosterPlan:
    """What an import would do, for the dry run and the preview."""

    as_of: date
    rows: list[RosterRow]
    new: list[RosterRow] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    deactivated: list[dict] = field(default_factory=list)
    unclassified: Counter = field(default_factory=Counter)
    bands: dict[str, str] = field(default_factory=dict)
    skipped: SkippedRows | None = None  # None: the user did not choose to skip
    # The headers of optional columns the file leaves out: their values stay.
    absent_columns: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {
            "rows": len(self.rows),
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "deactivated": len(self.deactivated),
            "unclassified": sum(self.unclassified.values()),
        }
        if self.skipped is not None:
            counts["skipped"] = self.skipped.count
        return counts

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed or self.deactivated)


def plan_import(
    session: Session,
    rows: list[RosterRow],
    *,
    as_of: date,
    deactivate_missing: bool = False,
    skipped: SkippedRows | None = None,
) -> RosterPlan:
    """Compare the file with each person's state on ``as_of``; writes nothing."""
    bands = title_band_map(session)
    absent = [c for c in KEEP_WHEN_ABSENT if rows and getattr(rows[0], c) is None]
    plan = RosterPlan(
        as_of=as_of,
        rows=rows,
        bands=bands,
        skipped=skipped,
    )
    empty = dict.fromkeys(absent, "")
    state = state_at(as_of)
    departments = dict(session.execute(select(Department.id, Department.name)).all())
    current = {}
    for staff_id, staff_no, *values in session.execute(
        select(
            Staff.id,
            Staff.staff_no,
            state.c.name,
            state.c.department_id,
            state.c.job_title,
            state.c.employment_type,
            state.c.email,
            state.c.is_active,
        ).join(state, state.c.staff_id == Staff.id, isouter=True)
    ):
        name, department_id, job_title, employment_type, email, is_active = values
        current[staff_no] = (
            staff_id,
            None
            if name is None
            else {
                "name": name,
                "department": departments.get(department_id, ""),
                "department_id": department_id,
                "job_title": job_title,
                "employment_type": employment_type,
                "email": email,
                "is_active": is_active,
            },
        )
    if current:  # the first roster keeps nothing: it says nothing of it
        plan.absent_columns = [c.header for c in COLUMNS if c.code in absent]
    in_file = set(skipped.staff_nos) if skipped else set()
    for row in rows:
        in_file.add(row.staff_no)
        if row.job_title not in bands:
            plan.unclassified[row.job_title] += 1
        known = current.get(row.staff_no)
        if known is None:
            plan.new.append(replace(row, **empty) if empty else row)
            continue
        staff_id, before = known
        if before is None:  # on record, but only from a later date
            plan.changed.append(
                Change(replace(row, **empty) if empty else row, staff_id, {}, list(_FIELDS))
            )
            continue
        if absent:  # a column the file leaves out keeps the value on record
            row = replace(row, **{name: before[name] for name in absent})
        diff = [name for name in _FIELDS if getattr(row, name) != before[name]]
        if diff:
            plan.changed.append(Change(row, staff_id, before, diff))
        else:
            plan.unchanged += 1
    if deactivate_missing:
        for staff_no, (staff_id, before) in sorted(current.items()):
            if staff_no not in in_file and before is not None and before["is_active"]:
                plan.deactivated.append({"staff_id": staff_id, "staff_no": staff_no, **before})
    return plan


@dataclass
class IssuedPassword:
    staff_no: str
    name: str
    department: str
    password: str


@dataclass
class ImportResult:
    record: RosterImport
    passwords: list[IssuedPassword]


# How new accounts get a first password (config ROSTER_FIRST_PASSWORDS):
# "random": a random one per person, listed once for HR to hand out, to be
# changed at first login; "none": no password, so nobody can log in until an
# administrator sets one for the person (for cities that hand passwords out by
# other means). Never a shared default.
FIRST_PASSWORD_MODES = ("random", "none")

_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def one_time_password() -> str:
    """A random first password: 16 characters, about 80 bits, easy to read out."""
    return one_time_passwords(1)[0]


# Random bytes below 248 (= 31 × 8) map evenly onto the 31 letters; the rest are
# dropped, so every letter is an independent, uniform draw.
_KEEP = len(_ALPHABET) * (256 // len(_ALPHABET))
_TO_LETTER = bytes(ord(_ALPHABET[b % len(_ALPHABET)]) if b < _KEEP else 0 for b in range(256))
_DROP = bytes(range(_KEEP, 256))


def one_time_passwords(n: int) -> list[str]:
    """``n`` first passwords at once (an import issues 100,000): the same
    distribution as 16 separate choices each, drawn in one call."""
    letters = ""
    need = 16 * n
    while len(letters) < need:
        chunk = secrets.token_bytes(need - len(letters) + need // 20 + 16)
        letters += chunk.translate(_TO_LETTER, _DROP).decode("ascii")
    return [
        "-".join(
            (
                letters[i : i + 4],
                letters[i + 4 : i + 8],
                letters[i + 8 : i + 12],
                letters[i + 12 : i + 16],
            )
        )
        for i in range(0, need, 16)
    ]


# Rows per statement when a list of ids goes into ``IN (…)``: PostgreSQL takes at
# most 65,535 bind parameters in one statement, and a roster can be larger.
CHUNK = 10_000


def chunked(items: list, size: int | None = None):
    size = size or CHUNK
    for start in range(0, len(items), size):
        yield items[start : start + size]


# New people in an import from which it checks foreign keys once, at the end:
# below it, checking row by row costs less than checking whole tables.
BULK_LOAD_ROWS = 20_000


def bulk_load_rows() -> int:
    if has_app_context():
        return int(current_app.config.get("ROSTER_BULK_LOAD_ROWS", BULK_LOAD_ROWS))
    return BULK_LOAD_ROWS


def apply_import(
    session: Session,
    plan: RosterPlan,
    *,
    file_name: str,
    data: bytes,
    by_user_id: int | None = None,
    deactivate_missing: bool = False,
    issue_passwords: bool = True,
    ip: str = "",
) -> ImportResult:
    """Write the plan in bulk. The caller commits once (all or nothing)."""
    now = utcnow()
    record = RosterImport(
        imported_by_id=by_user_id,
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        as_of=plan.as_of,
        deactivate_missing=deactivate_missing,
        rows=len(plan.rows),
        counts=plan.counts,
    )
    session.add(record)
    session.flush()

    needed = {r.department for r in plan.new} | {c.row.department for c in plan.changed}
    department_ids = _ensure_departments(
        session, [r.department for r in plan.rows if r.department in needed]
    )
    # Many new people (the first roster, a merger): their staff rows, history and
    # accounts check their foreign keys once at the end rather than row by row,
    # on PostgreSQL most of the time. Changes alone write too few keys to gain,
    # and would hold the tables longer (refreshing their progress).
    with (
        foreign_keys_checked_once(session, [Staff, StaffState, User])
        if len(plan.new) >= bulk_load_rows()
        else nullcontext()
    ):
        passwords = _write_people(session, plan, record.id, department_ids, issue_passwords, now)
    # New people have no progress yet; the others' may stand elsewhere on a year's roster.
    refresh_roster_progress(
        session,
        [c.staff_id for c in plan.changed if _moves_on_roster(c, plan.bands)]
        + [d["staff_id"] for d in plan.deactivated],
        since=plan.as_of,
    )
    # Leavers dated later keep their sessions until that day (apply_due_states).
    deactivated_ids = (
        [d["staff_id"] for d in plan.deactivated]
        + [c.staff_id for c in plan.changed if not c.row.is_active]
        if plan.as_of <= today_jst()
        else []
    )
    for part in chunked(deactivated_ids):
        user_ids = select(User.id).where(User.staff_id.in_(part))
        session.execute(
            update(AuthSession)
            .where(AuthSession.user_id.in_(user_ids), AuthSession.ended_at.is_(None))
            .values(ended_at=now, end_reason="deactivated")
            .execution_options(synchronize_session=False)
        )
    record_event(
        session,
        "roster_import",
        actor_id=by_user_id,
        object_type="roster_import",
        object_id=record.id,
        ip=ip,
        file_name=record.file_name,
        sha256=record.sha256,
        as_of=plan.as_of.isoformat(),
        **plan.counts,
    )
    session.flush()
    return ImportResult(record=record, passwords=passwords)


def _moves_on_roster(change: Change, bands: dict) -> bool:
    """Whether a change can move someone on a year's roster (in or out, to
    another band or unit): not a new name, e-mail or employment type."""
    if not change.before:  # on record only from a later day: all of it is new
        return True
    if {"department", "is_active"} & set(change.fields):
        return True
    title_before = change.before["job_title"]
    return bands.get(change.row.job_title) != bands.get(title_before)


def _write_people(
    session: Session, plan: RosterPlan, import_id: int, department_ids, issue_passwords, now
) -> list[IssuedPassword]:
    """The staff rows, their history and the new people's accounts."""
    ids, last_id = _insert_new_staff(session, plan, department_ids, now)
    states = [_state(c.staff_id, c.row, plan, department_ids, import_id, now) for c in plan.changed]
    states += [
        {
            "staff_id": d["staff_id"],
            "effective_from": plan.as_of,
            "name": d["name"],
            "department_id": d["department_id"],
            "job_title": d["job_title"],
            "band": plan.bands.get(d["job_title"]),
            "employment_type": d["employment_type"],
            "email": d["email"],
            "is_active": False,
            "import_id": import_id,
            "created_at": now,
        }
        for d in plan.deactivated
    ]
    if states:
        # A second import for the same day replaces that day's state.
        history = StaffState.__table__
        for part in chunked([s["staff_id"] for s in states]):
            session.execute(
                history.delete().where(
                    history.c.staff_id.in_(part), history.c.effective_from == plan.as_of
                )
            )
        _refresh_snapshots(session, states, plan.as_of, now)
    if ids:
        # New people: their first history row is what their staff row holds,
        # copied inside the database rather than sent a second time.
        _copy_new_staff_to_history(session, last_id, plan.as_of, import_id)
    if states:
        bulk_insert(session, StaffState, states)
        # New people have one row each, open-ended; the others' rows are relinked.
        link_history(session, [s["staff_id"] for s in states])

    return _create_accounts(session, plan, ids, issue_passwords, now)


def _insert_new_staff(
    session: Session, plan: RosterPlan, department_ids, now
) -> tuple[dict[str, int], int]:
    """Insert the new people's staff rows: their ids by 職員番号, and the
    highest id before them (the new rows are the ones above it)."""
    if not plan.new:
        return {}, 0
    # The new rows are the ones above the highest id so far. Reading them back by
    # id is one range scan; by 職員番号 it would be an IN list as long as the file.
    last_id = session.scalar(select(func.max(Staff.id))) or 0
    bulk_insert(
        session,
        Staff,
        [
            {
                "staff_no": r.staff_no,
                "name": r.name,
                "department_id": department_ids[r.department],
                "job_title": r.job_title,
                "band": plan.bands.get(r.job_title),
                "employment_type": r.employment_type,
                "email": r.email,
                "is_active": r.is_active,
                "created_at": now,
                "updated_at": now,
            }
            for r in plan.new
        ],
    )
    ids = dict(session.execute(select(Staff.staff_no, Staff.id).where(Staff.id > last_id)).all())
    return ids, last_id


_HISTORY_COLUMNS = ("staff_id", "effective_from", *SNAPSHOT_FIELDS, "import_id", "created_at")


def _copy_new_staff_to_history(session: Session, last_id: int, as_of: date, import_id: int):
    """One history row per new person (the staff rows above ``last_id``), as of
    the import's day: the same values as their staff row."""
    staff = Staff.__table__
    rows = select(
        staff.c.id,
        literal(as_of, Date),
        *(staff.c[name] for name in SNAPSHOT_FIELDS),
        literal(import_id, Integer),
        staff.c.created_at,
    ).where(staff.c.id > last_id)
    session.execute(insert(StaffState.__table__).from_select(_HISTORY_COLUMNS, rows))
    if as_of > today_jst():
        # Someone who joins on a later day can log in from that day (apply_due_states).
        session.execute(
            update(staff).where(staff.c.id > last_id, staff.c.is_active).values(is_active=False)
        )


def _state(staff_id, row: RosterRow, plan, department_ids, import_id, now) -> dict:
    return {
        "staff_id": staff_id,
        "effective_from": plan.as_of,
        "name": row.name,
        "department_id": department_ids[row.department],
        "job_title": row.job_title,
        "band": plan.bands.get(row.job_title),
        "employment_type": row.employment_type,
        "email": row.email,
        "is_active": row.is_active,
        "import_id": import_id,
        "created_at": now,
    }


def _ensure_departments(session: Session, names: list[str]) -> dict[str, int]:
    """Department ids by name, creating missing ones (and their 部) in bulk.

    ``names`` come in file order: the new units take the order in which they
    first appear (a 部 where its first unit does), after every unit known."""
    names = [n for n in dict.fromkeys(names) if n]
    wanted = set(names) | {p for n in names if (p := parent_unit_name(n))}
    existing = dict(
        session.execute(
            select(Department.name, Department.id).where(Department.name.in_(wanted))
        ).all()
    )
    positions: dict[str, int] = {}
    start = next_department_position(session)
    for name in names:
        for unit in (parent_unit_name(name), name):
            if unit and unit not in existing and unit not in positions:
                positions[unit] = start + len(positions)
    parents = [n for n in positions if parent_unit_name(n) is None]
    if parents:
        session.execute(
            insert(Department),
            [{"name": n, "position": positions[n], "created_at": utcnow()} for n in parents],
        )
        existing = dict(
            session.execute(
                select(Department.name, Department.id).where(Department.name.in_(wanted))
            ).all()
        )
    children = [n for n in positions if n not in existing]
    if children:
        session.execute(
            insert(Department),
            [
                {
                    "name": n,
                    "parent_id": existing.get(parent_unit_name(n)),
                    "position": positions[n],
                    "created_at": utcnow(),
                }
                for n in children
            ],
        )
        existing = dict(
            session.execute(
                select(Department.name, Department.id).where(Department.name.in_(wanted))
            ).all()
        )
    return existing


def _refresh_snapshots(session: Session, states: list[dict], as_of: date, now) -> None:
    """Copy each changed person's new state onto the staff record: the record
    is the state in force today. A state dated later waits for its day
    (``apply_due_states``); one dated earlier than a state already in force
    today changes only the history."""
    today = today_jst()
    if as_of > today:
        return
    later = set(
        session.scalars(
            select(StaffState.staff_id.distinct()).where(
                StaffState.effective_from > as_of, StaffState.effective_from <= today
            )
        )
    )
    rows = [
        {"b_id": s["staff_id"], "updated_at": now, **{f: s[f] for f in SNAPSHOT_FIELDS}}
        for s in states
        if s["staff_id"] not in later
    ]
    if rows:
        staff = Staff.__table__
        session.execute(
            update(staff)
            .where(staff.c.id == bindparam("b_id"))
            .values({name: bindparam(name) for name in (*SNAPSHOT_FIELDS, "updated_at")}),
            rows,
        )


def _create_accounts(
    session, plan: RosterPlan, ids: dict[str, int], issue_passwords: bool, now
) -> list[IssuedPassword]:
    """An account for every new person; a random first password each, listed once."""
    if not plan.new:
        return []
    issued = []
    fresh = iter(one_time_passwords(len(plan.new) if issue_passwords else 0))
    passwords = []
    for row in plan.new:
        # Someone who arrives on the roster as having left cannot log in: no password.
        password = next(fresh) if issue_passwords and row.is_active else None
        if password:
            issued.append(IssuedPassword(row.staff_no, row.name, row.department, password))
        passwords.append(password)
    hashes = iter(hash_one_time_passwords([p for p in passwords if p]))
    values = [
        {
            "staff_id": ids[row.staff_no],
            "password_hash": next(hashes) if password else None,
            "must_change_password": True,
            "is_disabled": False,
            "created_at": now,
        }
        for row, password in zip(plan.new, passwords, strict=True)
    ]
    # New people have no results yet (results are imported for people on the
    # roster), so module_progress has nothing to recompute for them.
    bulk_insert(session, User, values)
    return issued
