"""Indicators and targets as data: the defaults, targets, new years, new indicators."""

import math
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from skillapp.learning.models import Module
from skillapp.metrics.defaults import DEFAULT_INDICATORS, YEARS
from skillapp.metrics.models import (
    ALL,
    ASSESSMENT_MEAN_SCORE,
    ASSESSMENT_PASS_RATE,
    KINDS,
    TRAINING_COUNT,
    Indicator,
    IndicatorTarget,
)
from skillapp.roster.bands import BAND_CODES

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")


class IndicatorError(ValueError):
    """A change to indicators or targets that cannot be made; ``field`` names the input."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def ensure_default_indicators(session: Session) -> int:
    """Add the default indicators that are missing, with their targets."""
    existing = set(session.scalars(select(Indicator.code)))
    added = 0
    for code, number, name, kind, settings, targets in DEFAULT_INDICATORS:
        if code in existing:
            continue
        indicator = Indicator(
            code=code, number=number, name=name, kind=kind, bands=list(targets), settings=settings
        )
        indicator.targets = [
            IndicatorTarget(fiscal_year=year, band=band, target=float(value))
            for band, values in targets.items()
            for year, value in zip(YEARS, values, strict=True)
        ]
        session.add(indicator)
        added += 1
    session.flush()
    return added


def list_indicators(session: Session) -> list[Indicator]:
    return list(session.scalars(select(Indicator).order_by(Indicator.number, Indicator.code)))


def target_years(session: Session) -> list[int]:
    """Every fiscal year that has a target, in order."""
    return sorted(set(session.scalars(select(IndicatorTarget.fiscal_year).distinct())))


def targets_for(session: Session, fiscal_year: int) -> dict[tuple[int, str], float]:
    """(indicator id, band) → target for one year."""
    rows = session.execute(
        select(IndicatorTarget.indicator_id, IndicatorTarget.band, IndicatorTarget.target).where(
            IndicatorTarget.fiscal_year == fiscal_year
        )
    )
    return {(indicator_id, band): target for indicator_id, band, target in rows}


def check_target(indicator: Indicator, value: float) -> None:
    if not math.isfinite(value):
        raise IndicatorError("目標値は数で入力してください。")
    if value < 0:
        raise IndicatorError("目標値は0以上にしてください。")
    if indicator.unit in ("percent", "points") and value > 100:
        raise IndicatorError("目標値は100以下にしてください。")


@dataclass
class TargetChange:
    indicator: Indicator
    band: str
    before: float | None
    after: float | None


def set_targets(
    session: Session, fiscal_year: int, values: dict[tuple[int, str], float | None]
) -> list[TargetChange]:
    """Set (or with None, remove) targets of one year; returns what changed."""
    if not 2000 <= fiscal_year <= 2100:
        raise IndicatorError("年度が正しくありません。", field="fiscal_year")
    indicators = {i.id: i for i in list_indicators(session)}
    existing = {
        (t.indicator_id, t.band): t
        for t in session.scalars(
            select(IndicatorTarget).where(IndicatorTarget.fiscal_year == fiscal_year)
        )
    }
    changes = []
    for (indicator_id, band), value in sorted(values.items()):
        indicator = indicators.get(indicator_id)
        if indicator is None or band not in indicator.bands:
            raise IndicatorError("指標または職層が正しくありません。")
        if value is not None:
            check_target(indicator, value)
        current = existing.get((indicator_id, band))
        before = current.target if current else None
        if before == value:
            continue
        if value is None:
            session.delete(current)
        elif current is None:
            session.add(
                IndicatorTarget(
                    indicator_id=indicator_id, fiscal_year=fiscal_year, band=band, target=value
                )
            )
        else:
            current.target = value
        changes.append(TargetChange(indicator, band, before, value))
    session.flush()
    return changes


def _settings(
    session: Session,
    kind: str,
    *,
    assessment: str | None,
    pass_mark: float | None,
    categories: list[str] | None,
) -> dict:
    """What an indicator of ``kind`` needs, checked (IndicatorError otherwise)."""
    settings: dict = {}
    if kind in (ASSESSMENT_PASS_RATE, ASSESSMENT_MEAN_SCORE):
        slug = (assessment or "").strip()
        if not session.scalar(select(Module.id).where(Module.slug == slug)):
            raise IndicatorError(f"科目コード「{slug}」の教材・テストがありません。", "assessment")
        settings["assessment"] = slug
        if kind == ASSESSMENT_PASS_RATE:
            mark = 70 if pass_mark is None else pass_mark
            if not 0 < mark <= 100:
                raise IndicatorError("合格点は1〜100にしてください。", "pass_mark")
            settings["pass_mark"] = int(mark) if float(mark).is_integer() else float(mark)
    if kind == TRAINING_COUNT:
        cleaned = list(dict.fromkeys(c.strip() for c in categories or [] if c.strip()))
        if not cleaned:
            raise IndicatorError("数える研修の区分を1つ以上入力してください。", "categories")
        settings["categories"] = cleaned
    return settings


def _bands(kind: str, bands: list[str]) -> list[str]:
    if kind == TRAINING_COUNT:
        return [ALL]
    chosen = [b for b in (*BAND_CODES, ALL) if b in set(bands)]
    if not chosen:
        raise IndicatorError("対象の職層を1つ以上選んでください。", "bands")
    return chosen


def _name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise IndicatorError("名称を入力してください。", "name")
    if len(name) > 300:
        raise IndicatorError("名称は300文字以内にしてください。", "name")
    return name


def create_indicator(
    session: Session,
    *,
    code: str,
    number: int,
    name: str,
    kind: str,
    bands: list[str],
    assessment: str | None = None,
    pass_mark: float | None = None,
    categories: list[str] | None = None,
) -> Indicator:
    """A new indicator of one of the kinds the engine computes."""
    code = (code or "").strip()
    if not _CODE.match(code):
        raise IndicatorError(
            "コードは英小文字で始まる英小文字・数字・下線（2〜50文字）にしてください。", "code"
        )
    if session.scalar(select(Indicator.id).where(Indicator.code == code)):
        raise IndicatorError(f"コード「{code}」は既に使われています。", "code")
    name = _name(name)
    if kind not in KINDS:
        raise IndicatorError("種類が正しくありません。", "kind")
    bands = _bands(kind, bands)
    settings = _settings(
        session, kind, assessment=assessment, pass_mark=pass_mark, categories=categories
    )
    indicator = Indicator(
        code=code, number=number, name=name, kind=kind, bands=bands, settings=settings
    )
    session.add(indicator)
    session.flush()
    return indicator


def update_indicator(
    session: Session,
    indicator: Indicator,
    *,
    number: int,
    name: str,
    bands: list[str],
    assessment: str | None = None,
    pass_mark: float | None = None,
    categories: list[str] | None = None,
) -> dict:
    """Change what an indicator counts (not its code or kind). Returns the
    changes as {field: (before, after)}. A band taken off keeps its targets,
    unused, so that putting it back restores them."""
    after = {
        "number": number,
        "name": _name(name),
        "bands": _bands(indicator.kind, bands),
        "settings": _settings(
            session,
            indicator.kind,
            assessment=assessment,
            pass_mark=pass_mark,
            categories=categories,
        ),
    }
    changes = {}
    for key, value in after.items():
        before = getattr(indicator, key)
        if before != value:
            changes[key] = (before, value)
            setattr(indicator, key, value)
    session.flush()
    return changes


def copy_targets(session: Session, fiscal_year: int) -> list[TargetChange]:
    """Start a new fiscal year's targets from the latest earlier year's (or the
    earliest later year's): HR then edits them. Targets the year already has
    are kept."""
    if not 2000 <= fiscal_year <= 2100:
        raise IndicatorError("年度は2000〜2100の数で入力してください。", "fiscal_year")
    years = target_years(session)
    if fiscal_year in years:
        raise IndicatorError(f"{fiscal_year}年度の目標は既にあります。", "fiscal_year")
    earlier = [y for y in years if y < fiscal_year]
    source = earlier[-1] if earlier else (years[0] if years else None)
    values: dict[tuple[int, str], float | None] = {}
    if source is not None:
        for (indicator_id, band), target in targets_for(session, source).items():
            values[(indicator_id, band)] = target
    indicators = {i.id: i for i in list_indicators(session)}
    values = {
        k: v for k, v in values.items() if k[0] in indicators and k[1] in indicators[k[0]].bands
    }
    if not values:
        raise IndicatorError("写す目標がありません。指標を追加してから目標を入力してください。")
    return set_targets(session, fiscal_year, values)
