"""The annual staff survey (docs/rules.md, Imports; MAP.yaml in docs/cli-and-files.md).

The mapping says which column identifies the respondent (a staff number, whose
band then comes from the roster, or a grade answer mapped to a band), and for
each survey indicator which question counts and which answers are positive.
Re-importing a year's survey replaces it; the earlier import stays in the
history, superseded.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field

import yaml
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from skillapp.db import upsert, utcnow
from skillapp.imports.models import SURVEY, DataImport
from skillapp.imports.services import ImportPlan, record_import, staff_ids
from skillapp.metrics.models import SURVEY_SHARE, Indicator
from skillapp.metrics.queries import population
from skillapp.roster.bands import BAND_CODES, band_label
from skillapp.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyMapping,
    SurveyQuestion,
    SurveyResponse,
)
from skillapp.util import safe_yaml
from skillapp.util.spreadsheets import CellProblem, SpreadsheetError, read_grid
from skillapp.util.text import control_char_name, find_control_char, nfkc, normalize_staff_no

MAX_CHOICES = 30  # a column with more distinct answers is free text, not a choice


@dataclass
class SurveyFile:
    headers: list[str]  # NFKC-normalised, as the mapping names them
    rows: list[list[str]]
    row_numbers: list[int]

    def column(self, header: str) -> int | None:
        try:
            return self.headers.index(nfkc(header))
        except ValueError:
            return None

    def values(self, header: str) -> Counter:
        """Each distinct non-blank answer of a column, with its count."""
        index = self.column(header)
        if index is None:
            return Counter()
        return Counter(nfkc(row[index]) for row in self.rows if nfkc(row[index]))

    def choices(self) -> dict[str, list[str]]:
        """Columns that look like choice questions → their answers."""
        found = {}
        for header in self.headers:
            values = self.values(header)
            if 0 < len(values) <= MAX_CHOICES:
                found[header] = sorted(values, key=lambda v: (-values[v], v))
        return found


def read_survey(data: bytes) -> tuple[SurveyFile | None, list[CellProblem]]:
    try:
        grid, _encoding = read_grid(data)
    except SpreadsheetError as error:
        return None, error.problems
    headers = [nfkc(h) for h in grid[0]]
    problems = []
    seen = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        if header in seen:
            problems.append(
                CellProblem(1, header, f"同じ見出しの列が{seen[header] + 1}列目にもあります。")
            )
        seen.setdefault(header, index)
    rows, numbers = [], []
    width = len(headers)
    for offset, raw in enumerate(grid[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        rows.append([(raw[i].strip() if i < len(raw) else "") for i in range(width)])
        numbers.append(offset)
    if not rows:
        problems.append(CellProblem(None, None, "回答の行がありません。"))
    return SurveyFile(headers, rows, numbers), problems


def load_mapping_yaml(text: str) -> tuple[dict | None, list[str]]:
    """A MAP.yaml as a mapping dict, or the problems (with YAML line numbers)."""
    if len(text) > MAX_MAPPING_CHARS:
        return None, ["対応表が大きすぎます（100万文字まで）。"]
    found = find_control_char(text)
    if found is not None:
        line = text.count("\n", 0, found[0]) + 1
        return None, [
            f"{line}行目: 制御文字（{control_char_name(found[1])}）があります。取り除いてください。"
        ]
    try:
        raw = safe_yaml.safe_load(text)
    except safe_yaml.RefusedYAML as error:
        return None, [f"{error.problem_mark.line + 1}行目: {_REFUSED[error.reason](error)}"]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{mark.line + 1}行目: " if mark is not None else ""
        return None, [f"{where}YAML として読めません（{error.problem}）。"]
    except yaml.YAMLError as error:
        return None, [f"YAML として読めません（{error}）。"]
    if not isinstance(raw, dict):
        return None, ["対応表は「キー: 値」の形で書いてください。"]
    problems = []
    allowed = {"staff_no_column", "grade_column", "grade_values", "indicators"}
    for key in raw:
        if key not in allowed:
            problems.append(
                f"「{_short(key)}」は対応表の項目ではありません（{', '.join(sorted(allowed))}）。"
            )
    grade_values = raw.get("grade_values") or {}
    indicators = raw.get("indicators") or {}
    if not isinstance(grade_values, dict):
        problems.append("grade_values は「回答: 職層コード」の形で書いてください。")
        grade_values = {}
    if not isinstance(indicators, dict):
        problems.append("indicators は「指標コード: {column, positive}」の形で書いてください。")
        indicators = {}
    mapping = {
        "staff_no_column": _text(raw.get("staff_no_column")),
        "grade_column": _text(raw.get("grade_column")),
        "grade_values": {_text(k): _text(v) for k, v in grade_values.items()},
        "indicators": {},
    }
    for code, spec in indicators.items():
        if not isinstance(spec, dict):
            problems.append(f"indicators.{_short(code)} には column と positive を書いてください。")
            continue
        positive = spec.get("positive") or []
        if isinstance(positive, str):
            positive = [positive]
        mapping["indicators"][str(code)] = {
            "column": _text(spec.get("column")),
            "positive": [_text(v) for v in positive],
        }
    return (None if problems else mapping), problems


MAX_MAPPING_CHARS = 1_000_000  # a mapping names a few columns and answers
_REFUSED = {
    safe_yaml.ALIAS: lambda e: "アンカーと別名（& と *）は使えません。値をそのまま書いてください。",
    safe_yaml.DEPTH: lambda e: f"入れ子が深すぎます（{safe_yaml.MAX_DEPTH}段まで）。",
    safe_yaml.NODES: lambda e: f"値が多すぎます（{safe_yaml.MAX_NODES:,}個まで）。",
    safe_yaml.CONTROL: lambda e: f"値に制御文字（{e.char}）があります。取り除いてください。",
}


def mapping_yaml(mapping: dict) -> str:
    """The MAP.yaml form of a mapping, to download and reuse."""
    return yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False)


def _short(value, limit: int = 60) -> str:
    """A value from the user's file as a message quotes it: never all of a long one."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value) -> str:
    return "" if value is None else nfkc(str(value))


def survey_indicators(session: Session) -> list[Indicator]:
    return list(
        session.scalars(
            select(Indicator).where(Indicator.kind == SURVEY_SHARE).order_by(Indicator.number)
        )
    )


def check_mapping(session: Session, mapping: dict, survey: SurveyFile) -> list[CellProblem]:
    """Problems of a mapping against the file's own headers and values."""
    problems = []

    def column(name, label):
        if name and survey.column(name) is None:
            problems.append(CellProblem(1, name, f"{label}の列がファイルにありません。"))

    staff_col, grade_col = mapping.get("staff_no_column"), mapping.get("grade_column")
    if not staff_col and not grade_col:
        problems.append(
            CellProblem(None, None, "職員番号の列か職層の列のどちらかを指定してください。")
        )
    column(staff_col, "職員番号")
    column(grade_col, "職層")
    for answer, band in (mapping.get("grade_values") or {}).items():
        if band not in BAND_CODES:
            problems.append(
                CellProblem(
                    None,
                    grade_col or None,
                    f"回答「{answer}」の職層「{band}」は management / supervisor / staff の"
                    "いずれかにしてください。",
                )
            )
    known = {i.code for i in survey_indicators(session)}
    for code, spec in (mapping.get("indicators") or {}).items():
        if code not in known:
            problems.append(
                CellProblem(None, None, f"「{code}」はアンケートで数える指標ではありません。")
            )
            continue
        if not spec.get("column"):
            problems.append(CellProblem(None, None, f"指標「{code}」の設問を選んでください。"))
            continue
        column(spec["column"], f"指標「{code}」の設問")
        if not spec.get("positive"):
            problems.append(
                CellProblem(
                    None, spec["column"], f"指標「{code}」で「あり」と数える回答を選んでください。"
                )
            )
    return problems


@dataclass
class SurveyPayload:
    mapping: dict
    survey: SurveyFile
    responses: list[dict] = field(default_factory=list)  # row, staff_id, band
    replaces: Survey | None = None
    unchanged: bool = False


def plan_survey(
    session: Session,
    data: bytes,
    *,
    fiscal_year: int,
    mapping: dict,
    skip_invalid: bool = False,
) -> ImportPlan:
    """Read a survey file with its mapping; writes nothing."""
    plan = ImportPlan(kind=SURVEY, skip_invalid=skip_invalid, fiscal_year=fiscal_year)
    survey, problems = read_survey(data)
    if problems or survey is None:
        plan.problems, plan.fatal = problems, True
        return plan
    plan.rows = len(survey.rows)
    mapping_problems = check_mapping(session, mapping, survey)
    if mapping_problems:
        plan.problems, plan.fatal = mapping_problems, True
        return plan

    staff_col = survey.column(mapping["staff_no_column"]) if mapping["staff_no_column"] else None
    grade_col = survey.column(mapping["grade_column"]) if mapping["grade_column"] else None
    grade_values = mapping.get("grade_values") or {}
    numbers = {}
    if staff_col is not None:
        numbers = staff_ids(session, {normalize_staff_no(row[staff_col]) for row in survey.rows})
    people = population(fiscal_year)
    roster_bands = dict(session.execute(select(people.c.staff_id, people.c.band)).all())
    payload = SurveyPayload(mapping, survey)
    seen: dict[str, int] = {}
    unmapped: Counter = Counter()
    bands: Counter = Counter()
    header = survey.headers
    for number, row in zip(survey.row_numbers, survey.rows, strict=True):
        staff_id, band = None, None
        if staff_col is not None and (staff_no := normalize_staff_no(row[staff_col])):
            if staff_no in seen:
                plan.problems.append(
                    CellProblem(
                        number,
                        header[staff_col],
                        f"職員番号「{staff_no}」の回答が{seen[staff_no]}行目にもあります。",
                    )
                )
                continue
            seen[staff_no] = number
            staff_id = numbers.get(staff_no)
            if staff_id is None:
                plan.warnings.append(
                    CellProblem(
                        number,
                        header[staff_col],
                        f"職員番号「{staff_no}」は職員名簿にありません。どの職層にも数えません。",
                    )
                )
            elif staff_id not in roster_bands:
                plan.warnings.append(
                    CellProblem(
                        number,
                        header[staff_col],
                        f"職員番号「{staff_no}」は年度末（3月31日）に在籍していません。"
                        "どの職層にも数えません。",
                    )
                )
            bands[roster_bands.get(staff_id, "none")] += 1
        elif grade_col is not None:
            answer = nfkc(row[grade_col])
            band = grade_values.get(answer)
            if band is None:
                unmapped[answer or "（空欄）"] += 1
            bands[band or "none"] += 1
        else:
            plan.warnings.append(
                CellProblem(number, header[staff_col], "職員番号が空です。どの職層にも数えません。")
            )
            bands["none"] += 1
        payload.responses.append({"row": number, "staff_id": staff_id, "band": band})
    for answer, count in unmapped.most_common():
        plan.warnings.append(
            CellProblem(
                None,
                header[grade_col],
                f"職層の回答「{answer}」（{count}件）は対応表にないため、どの職層にも数えません。",
            )
        )

    current = session.scalar(
        select(Survey).where(Survey.fiscal_year == fiscal_year, Survey.is_current.is_(True))
    )
    sha = hashlib.sha256(data).hexdigest()
    if current is not None:
        payload.replaces = current
        previous = session.get(DataImport, current.import_id)
        payload.unchanged = previous.sha256 == sha and current.mapping == mapping
    respondents = len(payload.responses)
    plan.counts = {
        "rows": plan.rows,
        "new": 0 if payload.unchanged else respondents,
        "changed": 0,
        "unchanged": respondents if payload.unchanged else 0,
        "replaced": 0 if payload.unchanged or current is None else current.respondents,
        "unmapped": sum(unmapped.values()),
    }
    plan.samples["bands"] = (
        ["職層", "回答数"],
        [[band_label(b), bands.get(b, 0)] for b in BAND_CODES]
        + [["どの職層にも数えない", bands.get("none", 0)]],
    )
    plan.payload = payload
    return plan


def apply_survey(
    session: Session, plan: ImportPlan, *, file_name: str, data: bytes, by_user_id=None, ip=""
) -> DataImport:
    """Replace the year's survey with this one, in bulk; the caller commits once."""
    payload: SurveyPayload = plan.payload
    if payload.unchanged:
        return session.get(DataImport, payload.replaces.import_id)
    record = record_import(
        session, plan, file_name=file_name, data=data, by_user_id=by_user_id, ip=ip
    )
    now = utcnow()
    if payload.replaces is not None:
        payload.replaces.is_current = False
        session.execute(
            update(DataImport)
            .where(DataImport.id == payload.replaces.import_id)
            .values(superseded_at=now, superseded_by_id=record.id)
        )
    survey = Survey(
        fiscal_year=plan.fiscal_year,
        import_id=record.id,
        mapping=payload.mapping,
        respondents=len(payload.responses),
        is_current=True,
        created_at=now,
    )
    session.add(survey)
    session.flush()
    skip = {payload.survey.column(payload.mapping["staff_no_column"])} - {None}
    positions = [i for i, h in enumerate(payload.survey.headers) if h and i not in skip]
    session.execute(
        insert(SurveyQuestion),
        [
            {"survey_id": survey.id, "position": i, "header": payload.survey.headers[i]}
            for i in positions
        ],
    )
    question_ids = dict(
        session.execute(
            select(SurveyQuestion.position, SurveyQuestion.id).where(
                SurveyQuestion.survey_id == survey.id
            )
        ).all()
    )
    responses = [{"survey_id": survey.id, **r} for r in payload.responses]
    for start in range(0, len(responses), 5000):
        session.execute(insert(SurveyResponse), responses[start : start + 5000])
    response_ids = dict(
        session.execute(
            select(SurveyResponse.row, SurveyResponse.id).where(
                SurveyResponse.survey_id == survey.id
            )
        ).all()
    )
    by_row = dict(zip(payload.survey.row_numbers, payload.survey.rows, strict=True))
    answers = [
        {"response_id": response_ids[r["row"]], "question_id": question_ids[i], "value": value}
        for r in payload.responses
        for i in positions
        if (value := nfkc(by_row[r["row"]][i]))
    ]
    for start in range(0, len(answers), 10000):
        session.execute(insert(SurveyAnswer), answers[start : start + 10000])
    upsert(
        session,
        SurveyMapping,
        [
            {
                "fiscal_year": plan.fiscal_year,
                "mapping": payload.mapping,
                "updated_at": now,
                "updated_by_id": by_user_id,
            }
        ],
        ["fiscal_year"],
        ["mapping", "updated_at", "updated_by_id"],
    )
    session.flush()
    return record


def saved_mapping(session: Session, fiscal_year: int) -> tuple[int, dict] | None:
    """The year's mapping, or else the latest earlier year's, to start from."""
    row = session.execute(
        select(SurveyMapping.fiscal_year, SurveyMapping.mapping)
        .where(SurveyMapping.fiscal_year <= fiscal_year)
        .order_by(SurveyMapping.fiscal_year.desc())
        .limit(1)
    ).first()
    if row is None:
        row = session.execute(
            select(SurveyMapping.fiscal_year, SurveyMapping.mapping)
            .order_by(SurveyMapping.fiscal_year)
            .limit(1)
        ).first()
    return (row[0], row[1]) if row else None


def preview_figures(session: Session, plan: ImportPlan, *, file_name: str, data: bytes) -> list:
    """The survey indicators as this import would make them: it is applied in a
    savepoint, the indicators are computed by the same SQL as ever, and the
    savepoint is rolled back. Writes nothing."""
    from skillapp.metrics.indicators import compute_indicators

    with session.begin_nested() as savepoint:
        apply_survey(session, plan, file_name=file_name, data=data)
        figures = compute_indicators(session, plan.fiscal_year)
        results = [r for r in figures.results if r.indicator.kind == SURVEY_SHARE]
        savepoint.rollback()
    return results
