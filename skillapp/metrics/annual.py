"""The annual HR-development report: everything it shows, gathered in one call.

``annual_report_data`` runs the queries (the indicators of each year, the
completion by band, the survey distributions, training by category) and
formats every figure with the helpers of ``reports`` — the same text as
``skillapp metrics show`` — into the plain ``AnnualReport`` that
``skillapp.pdf.annual.annual_report_pdf`` renders. Nothing in it refers back to
the database, so the PDF can be drawn after the session has moved on.
"""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillapp.assessment.models import SUBMITTED, Attempt, ExternalResult
from skillapp.learning.models import Module, ModuleVersion
from skillapp.metrics.indicators import (
    NO_SURVEY,
    NOT_MAPPED,
    IndicatorResult,
    IndicatorRow,
    YearFigures,
    compute_indicators,
)
from skillapp.metrics.models import (
    ALL,
    ASSESSMENT_MEAN_SCORE,
    ASSESSMENT_PASS_RATE,
    SURVEY_SHARE,
    TRAINING_COUNT,
)
from skillapp.metrics.queries import completion_by_band
from skillapp.metrics.reports import (
    ACHIEVED_LABELS,
    UNIT_SUFFIXES,
    format_gap,
    format_numerator,
    format_target,
    format_value,
    grade_label,
)
from skillapp.metrics.services import target_years
from skillapp.pdf.annual import (
    AnnualReport,
    Bar,
    IndicatorSection,
    Section,
    Series,
    Table,
    TitledTable,
    TrendSection,
)
from skillapp.roster.bands import BAND_CODES
from skillapp.surveys.models import Survey
from skillapp.surveys.queries import MIN_CELL, SurveyDistributions, survey_distributions
from skillapp.training.models import TrainingAttendance, TrainingSession
from skillapp.training.queries import training_by_category
from skillapp.util.dates import fiscal_year_bounds, fiscal_year_end, fiscal_year_of

NONE = "—"  # no value: a zero denominator, or no survey
HIDDEN = "x"  # a survey count hidden for privacy
SOURCES = {
    ASSESSMENT_PASS_RATE: "確認テスト",
    ASSESSMENT_MEAN_SCORE: "確認テスト",
    SURVEY_SHARE: "職員アンケート",
    TRAINING_COUNT: "研修の参加記録",
}


def annual_report_data(session: Session, fiscal_year: int) -> AnnualReport:
    """Every figure of the annual report for one fiscal year."""
    figures = compute_indicators(session, fiscal_year)
    years = report_years(session, fiscal_year)
    by_year = {
        year: figures if year == fiscal_year else compute_indicators(session, year)
        for year in years
    }
    survey = session.scalar(
        select(Survey).where(Survey.fiscal_year == fiscal_year, Survey.is_current.is_(True))
    )
    mapping = survey.mapping if survey is not None else {}
    modules = _module_titles(session)
    distributions = survey_distributions(session, fiscal_year)
    return AnnualReport(
        fiscal_year=fiscal_year,
        as_of=figures.as_of,
        summary=_summary(figures),
        indicators=[_indicator(result, mapping, modules) for result in figures.results],
        years=[f"{year}年度" for year in years],
        trends=_trends(figures, [by_year[year] for year in years]),
        modules=_modules(session, fiscal_year),
        survey=_survey(distributions),
        survey_questions=_survey_questions(distributions),
        training=_training(session, fiscal_year, figures),
        method=_method(figures),
    )


def report_years(session: Session, fiscal_year: int) -> list[int]:
    """The fiscal years of the trend: each year up to ``fiscal_year`` that has
    targets or data (attempts, imported results, training, a survey), and
    ``fiscal_year`` itself."""
    years = {y for y in target_years(session) if y <= fiscal_year} | {fiscal_year}
    survey_years = session.scalars(
        select(Survey.fiscal_year.distinct()).where(Survey.is_current.is_(True))
    )
    years |= {y for y in survey_years if y <= fiscal_year}
    firsts = [
        session.scalar(select(func.min(Attempt.submitted_at)).where(Attempt.status == SUBMITTED)),
        session.scalar(select(func.min(ExternalResult.taken_at))),
        session.scalar(select(func.min(TrainingSession.held_on))),
    ]
    known = [fiscal_year_of(first) for first in firsts if first is not None]
    for year in range(min(known, default=fiscal_year), fiscal_year):
        if year not in years and _has_data(session, year):
            years.add(year)
    return sorted(years)


def _has_data(session: Session, fiscal_year: int) -> bool:
    start, end = fiscal_year_bounds(fiscal_year)
    checks = [
        select(Attempt.id).where(
            Attempt.status == SUBMITTED, Attempt.submitted_at >= start, Attempt.submitted_at < end
        ),
        select(ExternalResult.id).where(
            ExternalResult.taken_at >= start, ExternalResult.taken_at < end
        ),
        select(TrainingAttendance.id)
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .where(
            TrainingSession.held_on >= date(fiscal_year, 4, 1),
            TrainingSession.held_on <= fiscal_year_end(fiscal_year),
        ),
    ]
    return any(session.scalar(check.limit(1)) is not None for check in checks)


def _module_titles(session: Session) -> dict[str, str]:
    return dict(
        session.execute(
            select(Module.slug, ModuleVersion.title).join(
                ModuleVersion, ModuleVersion.id == Module.current_version_id
            )
        ).all()
    )


def _value_text(indicator, row: IndicatorRow) -> str:
    return format_value(indicator, row.value) or NONE


def _summary(figures: YearFigures) -> Table:
    rows = [
        [
            result.indicator.number,
            result.indicator.name,
            grade_label(row.grade_band),
            _value_text(result.indicator, row),
            format_target(result.indicator, row.target) or NONE,
            ACHIEVED_LABELS[row.achieved] or NONE,
        ]
        for result in figures.results
        for row in result.rows
    ]
    return Table(["No.", "指標", "職層", "実績", "目標", "達成"], rows, right=(3, 4))


def _fraction(row: IndicatorRow) -> str:
    if row.denominator is None:
        return NONE
    return f"{format_numerator(row.numerator)}/{row.denominator}"


def _rate(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}%"


def _indicator(result: IndicatorResult, mapping: dict, modules: dict) -> IndicatorSection:
    indicator = result.indicator
    kind = indicator.kind
    headers = ["職層", "実績", "目標", "差", "達成"]
    if kind == ASSESSMENT_PASS_RATE:
        headers += ["n/N（合格/在籍）"]
    elif kind == ASSESSMENT_MEAN_SCORE:
        headers += ["受験者数"]
    elif kind == SURVEY_SHARE:
        headers += ["n/N（該当/回答）", "回答者数", "回答率"]
    elif kind == TRAINING_COUNT:
        headers += ["実人数"]
    rows, bars = [], []
    for row in result.rows:
        value = _value_text(indicator, row)
        target = format_target(indicator, row.target)
        cells = [
            grade_label(row.grade_band),
            value,
            target or NONE,
            format_gap(row.gap, indicator) or NONE,
            ACHIEVED_LABELS[row.achieved] or NONE,
        ]
        extra = ""
        if kind == ASSESSMENT_PASS_RATE:
            cells.append(_fraction(row))
            extra = f"（{_fraction(row)}）"
        elif kind == ASSESSMENT_MEAN_SCORE:
            cells.append(NONE if row.denominator is None else f"{row.denominator}人")
            extra = f"（受験 {row.denominator}人）"
        elif kind == SURVEY_SHARE:
            cells += [
                _fraction(row),
                f"{row.respondents}人" if row.respondents is not None else NONE,
                _rate(row.response_rate),
            ]
            extra = f"（{_fraction(row)}）"
        elif kind == TRAINING_COUNT:
            cells.append(f"{row.distinct_staff}人")
            extra = f"（実人数 {row.distinct_staff}人）"
        if row.value is None:
            extra = ""
        rows.append(cells)
        text = f"{value}{extra}　目標 {target or 'なし'}"
        bars.append(Bar(grade_label(row.grade_band), row.value, row.target, text))
    return IndicatorSection(
        title=f"No.{indicator.number}　{indicator.name}",
        notes=_indicator_notes(result, mapping, modules),
        unit=UNIT_SUFFIXES[indicator.unit],
        scale=None if indicator.unit == "count" else 100.0,
        bars=bars,
        table=Table(headers, rows, right=tuple(i for i in range(1, len(headers)) if i != 4)),
    )


def _indicator_notes(result: IndicatorResult, mapping: dict, modules: dict) -> list[str]:
    indicator = result.indicator
    settings = indicator.settings or {}
    source = f"出典: {SOURCES[indicator.kind]}"
    if indicator.kind in (ASSESSMENT_PASS_RATE, ASSESSMENT_MEAN_SCORE):
        slug = settings.get("assessment") or ""
        name = f"{modules[slug]}（{slug}）" if slug in modules else f"「{slug}」（見つかりません）"
        if indicator.kind == ASSESSMENT_PASS_RATE:
            mark = float(settings.get("pass_mark", 70))
            return [
                f"{source}。{name}の年度内の最高点が{mark:g}点以上の職員の割合。"
                "分母は職層の在籍職員全員（受験していない職員を含む）。"
            ]
        return [f"{source}。{name}の年度内の最高点の平均。分母は受験した職員。"]
    if indicator.kind == SURVEY_SHARE:
        if result.missing == NO_SURVEY:
            return [f"{source}。この年度のアンケートが取り込まれていないため、値はありません。"]
        if result.missing == NOT_MAPPED:
            return [
                f"{source}。この年度のアンケートでは、この指標の設問が対応付けられていないため、"
                "値はありません。"
            ]
        spec = (mapping.get("indicators") or {}).get(indicator.code) or {}
        positive = "」「".join(spec.get("positive") or [])
        return [
            f"{source}。設問「{result.question}」に「{positive}」と答えた職員の割合。"
            "分母はその設問に回答した職員（空欄は除く）、回答率は回答者数÷在籍職員数。"
        ]
    categories = "、".join(settings.get("categories") or [])
    return [
        f"{source}。区分（{categories}）の研修の参加記録の数（延べ人数）。"
        "実人数は同じ職員を1人と数えた人数。"
    ]


def _trends(figures: YearFigures, years: list[YearFigures]) -> list[TrendSection]:
    sections = []
    for result in figures.results:
        indicator = result.indicator
        per_year = []
        for year in years:
            match = next((r for r in year.results if r.indicator.code == indicator.code), None)
            per_year.append({row.grade_band: row for row in match.rows} if match else {})
        series, rows = [], []
        for band in indicator.bands:
            found = [year.get(band) for year in per_year]
            values = [row.value if row else None for row in found]
            targets = [row.target if row else None for row in found]
            series.append(Series(grade_label(band), values, targets))
            label = grade_label(band)
            rows.append([label, "実績", *(format_value(indicator, v) or NONE for v in values)])
            rows.append([label, "目標", *(format_target(indicator, t) or NONE for t in targets)])
        headers = ["職層", "", *(f"{year.fiscal_year}年度" for year in years)]
        sections.append(
            TrendSection(
                title=f"No.{indicator.number}　{indicator.name}",
                unit=UNIT_SUFFIXES[indicator.unit],
                scale=None if indicator.unit == "count" else 100.0,
                series=series,
                table=Table(headers, rows, right=tuple(range(2, len(headers)))),
            )
        )
    return sections


def _modules(session: Session, fiscal_year: int) -> Section:
    rows = []
    modules = completion_by_band(session, fiscal_year)
    for module in modules:
        for band in (*BAND_CODES, ALL):
            done, passed = module.completed[band], module.passed[band]
            rows.append(
                [
                    module.title,
                    grade_label(band),
                    NONE if module.is_assessment else _rate(done.percent),
                    NONE if module.is_assessment else f"{done.numerator}/{done.denominator}",
                    _rate(passed.percent),
                    f"{passed.numerator}/{passed.denominator}",
                ]
            )
    notes = [
        "修了: 全レッスンを読み、確認問題に合格したこと。合格: 年度内にその教材・テストの合格点"
        "以上を取ったこと（合格点は教材・テストごとに定め、定めのないものは70点。受験は、受けた"
        "版の合格点で判定します）。分母は職層の在籍職員全員。テストだけの科目は修了の欄を「—」と"
        "しています。",
        "他のeラーニングシステムから取り込んだ結果も、本システムで受けたテストと同じに数えます"
        "（その教材・テストの現在の合格点で判定します）。",
    ]
    marks = _pass_marks(session, [m.module_id for m in modules])
    other = [f"{m.title}（{marks[m.module_id]}点）" for m in modules if marks[m.module_id] != 70]
    if other:
        notes.append(f"合格点が70点でないもの: {'、'.join(other)}。")
    headers = ["教材・テスト", "職層", "修了率", "修了 n/N", "合格率", "合格 n/N"]
    return Section(notes, Table(headers, rows, right=(2, 3, 4, 5)) if rows else None)


def _pass_marks(session: Session, module_ids: list[int]) -> dict[int, int]:
    """Each module's current pass mark."""
    return dict(
        session.execute(
            select(Module.id, ModuleVersion.pass_mark)
            .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
            .where(Module.id.in_(module_ids))
        ).all()
    )


def _survey(result: SurveyDistributions) -> Section:
    if result.survey_id is None:
        return Section(["この年度のアンケートは取り込まれていません。"])
    rows = [
        [
            grade_label(band.band),
            f"{band.staff}人",
            f"{band.respondents}人",
            _rate(band.response_rate),
        ]
        for band in [*result.bands, result.total]
    ]
    notes = [
        "回答者は、職員番号のある回答は年度末の名簿の職層で、職員番号のない回答は職層の回答で"
        "数えています（名簿にない職員番号、年度末に在籍していない職員、対応表にない職層の回答は"
        "どの職層にも数えません）。",
        f"選択式の設問の回答の分布を職層ごとに示します（空欄は除く）。回答者が{MIN_CELL}人未満の"
        f"職層は示さず、{MIN_CELL}人未満のセルは「{HIDDEN}」とします。",
    ]
    hidden = [grade_label(b.band) for b in result.bands if b.hidden]
    if hidden:
        notes.append(f"{'、'.join(hidden)}は回答者が{MIN_CELL}人未満のため、分布を示しません。")
    if len(hidden) == len(result.bands):
        notes.append("分布を示せる職層がありません。")
    else:
        unlisted = [f"「{q.header}」" for q in result.questions if not q.values]
        if unlisted:
            notes.append(
                f"{'、'.join(unlisted)}は、どの職層でも同じ回答をした人が{MIN_CELL}人未満のため、"
                "分布を示しません。"
            )
    return Section(notes, Table(["職層", "在籍職員", "回答者", "回答率"], rows, right=(1, 2, 3)))


def _survey_questions(result: SurveyDistributions) -> list[TitledTable]:
    shown = [b.band for b in result.bands if not b.hidden]
    if not shown:
        return []
    tables = []
    for question in result.questions:
        if not question.values:
            continue
        rows = []
        for value in question.values:
            cells = [value]
            for band in shown:
                count = question.counts[(value, band)]
                percent = question.percent(value, band)
                cells.append(HIDDEN if count is None else f"{count}（{percent:.1f}%）")
            rows.append(cells)
        rows.append(["回答者（空欄を除く）", *(f"{question.answered[band]}人" for band in shown)])
        headers = ["回答", *(grade_label(band) for band in shown)]
        notes = []
        if len(question.values) < len({v for (v, _b) in question.counts}):
            notes.append(f"どの職層でも{MIN_CELL}人未満の回答は行ごと省いています。")
        tables.append(
            TitledTable(
                question.header,
                Table(headers, rows, right=tuple(range(1, len(headers)))),
                notes,
            )
        )
    return tables


def _training(session: Session, fiscal_year: int, figures: YearFigures) -> Section:
    totals = training_by_category(session, fiscal_year)
    counted: dict[str, list[str]] = {}
    for result in figures.results:
        if result.indicator.kind == TRAINING_COUNT:
            for category in result.indicator.settings.get("categories") or []:
                counted.setdefault(category, []).append(f"No.{result.indicator.number}")
    rows = [
        [
            c.category,
            f"{c.sessions}回",
            f"{c.attendances}人",
            f"{c.people}人",
            "、".join(counted.get(c.category, [])),
        ]
        for c in totals.categories
    ]
    notes = [
        "年度内に実施された研修の参加を区分ごとに数えます（年度末の名簿に在籍する職員）。"
        "延べ人数は参加記録の数、実人数は同じ職員を1人と数えた人数、研修回数は参加記録のある"
        "研修（研修名と実施日）の数です。"
    ]
    if not rows:
        return Section([*notes, "この年度の研修の参加記録はありません。"])
    sessions = sum(c.sessions for c in totals.categories)
    rows.append(["合計", f"{sessions}回", f"{totals.attendances}人", f"{totals.people}人", ""])
    headers = ["区分", "研修回数", "延べ人数", "実人数", "数える指標"]
    return Section(notes, Table(headers, rows, right=(1, 2, 3)))


def _method(figures: YearFigures) -> list[tuple[str, list[str]]]:
    as_of = figures.as_of
    return [
        (
            "対象とする職員（分母）",
            [
                "各年度の数値は、その年度末（3月31日）時点の職員名簿で数えます。名簿は取り込むたびに"
                "基準日を持ち、各職員のその日以前で最新の状態（職名・職層・所属・在籍）を使います。"
                "4月の人事異動後の名簿を取り込んでも、終わった年度の数値は変わりません。",
                "年度末に在籍していない職員は、分子にも分母にも数えません。職名が職層に対応しない"
                "職員（未分類）は、どの職層にも数えず、全職員の行にのみ数えます。",
                f"この報告の名簿基準日は{as_of.year}年{as_of.month}月{as_of.day}日です"
                "（年度の途中では、その時点で取り込まれている最新の名簿で数えます）。",
            ],
        ),
        (
            "年度と日時",
            [
                "年度は4月1日から翌年3月31日までです。受験の日時などは日本時間に直して年度を決めます。"
                "たとえば日本時間の2027年3月31日23時59分59秒は2026年度、協定世界時（UTC）の"
                "2027年3月31日15時30分は日本時間の4月1日0時30分なので2027年度です。",
            ],
        ),
        (
            "確認テストの合格率",
            [
                "分子は、年度内（日本時間）の最高点が指標の合格点（指標ごとに定め、既定は70点）以上の"
                "職員、分母は職層の在籍職員全員（受験していない職員を含む）です。指標の合格点は、"
                "確認テストそのものの合格点（修了・修了証・完了状況の「合格」を決めるもの）とは別に、"
                "指標の設定で決めます。最高点は、本システムで受けたテストと、"
                "他のeラーニングシステムから取り込んだ結果の両方から選びます（取り込んだ結果も受験と"
                "同じく数えます）。",
            ],
        ),
        (
            "アンケートの割合",
            [
                "分子は、指標に対応付けた設問に「該当」とする回答をした回答者、分母はその設問に"
                "回答した回答者です。空欄の回答は分子にも分母にも数えません。回答率は、回答者数÷"
                "在籍職員数です。",
                "職員番号のある回答は年度末の名簿の職層で数えます。職員番号のない回答は、職層の"
                "回答を対応表で職層に置き換えます。対応表にない職層の回答（その他、会計年度任用職員"
                "など）はどの職層にも数えず、取り込みのときに警告として示しています。",
            ],
        ),
        (
            "研修の参加人数",
            [
                "指標の区分に当たる研修の、年度内の参加記録の数（延べ人数）です。研修名・実施日・"
                "職員番号が同じ記録は1件と数えます。実人数は、同じ職員を1人と数えた人数です。",
            ],
        ),
        (
            "値なしと達成の判定",
            [
                "分母が0の職層は値なし（「—」）とし、0%とはしません。",
                "実績は四捨五入する前の値で目標と比べ、実績が目標以上なら達成とします。表示は小数"
                "第1位に四捨五入しているため、表示が目標と同じでも未達成のことがあります。",
            ],
        ),
        (
            "個人が特定されないための配慮",
            [
                "アンケートの回答は集計した数だけを示します。回答者が5人未満の職層は分布を示さず、"
                f"5人未満のセルは「{HIDDEN}」とします。伏せたセルが1つだけの列は、合計から逆算"
                "できないよう、次に小さいセルも伏せます。",
            ],
        ),
    ]
