"""HR's indicators page (人材育成指標): each indicator by job grade against its
target for a fiscal year, the trend over the years, the survey's answers by
grade; and, as data, the targets, new years and new indicators."""

import math
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from skillapp.assessment.models import Question
from skillapp.audit.services import record_event
from skillapp.auth.roles import ADMIN, HR
from skillapp.extensions import db
from skillapp.forms import CsrfOnlyForm
from skillapp.learning.models import Module, ModuleVersion
from skillapp.metrics import bp, reports
from skillapp.metrics.annual import report_years
from skillapp.metrics.forms import (
    KIND_LABELS,
    IndicatorSettingsForm,
    NewIndicatorForm,
    NewYearForm,
    split_categories,
)
from skillapp.metrics.indicators import NO_SURVEY, NOT_MAPPED, compute_indicators
from skillapp.metrics.models import (
    ASSESSMENT_MEAN_SCORE,
    ASSESSMENT_PASS_RATE,
    TRAINING_COUNT,
    Indicator,
)
from skillapp.metrics.services import (
    IndicatorError,
    check_target,
    copy_targets,
    create_indicator,
    list_indicators,
    set_targets,
    target_years,
    targets_for,
    update_indicator,
)
from skillapp.metrics.views import EXPORT_FORMATS, audit_export, fy_name, send_table
from skillapp.roster.bands import BAND_CODES
from skillapp.surveys.models import Survey
from skillapp.surveys.queries import MIN_CELL, survey_distributions
from skillapp.training.models import TrainingSession
from skillapp.util.dates import fiscal_year_label, fiscal_year_of, today_jst
from skillapp.util.text import nfkc
from skillapp.web import client_ip, role_required

# A trend shows at most this many years before the chosen one.
TREND_YEARS = 6


def _hr_only(view):
    return role_required(HR, ADMIN)(view)


def _year(name: str = "fy") -> int:
    raw = request.args.get(name)
    if raw is None:
        return fiscal_year_of(today_jst())
    try:
        year = int(raw)
    except ValueError:
        abort(400)
    if not 2000 <= year <= 2100:
        abort(400)
    return year


def _page_years(selected: int) -> list[int]:
    """The years HR can pick: every year with targets or a survey, the current
    year and the one chosen; newest first."""
    current = fiscal_year_of(today_jst())
    surveys = db.session.scalars(select(Survey.fiscal_year.distinct())).all()
    years = set(target_years(db.session)) | set(surveys) | {current, selected}
    return sorted(years, reverse=True)


@bp.app_template_global("nice_ceiling")
def nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a
    power of ten) at or above ``value``: a chart's scale that reads well (150, not 143)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def chart_scale(indicator, rows) -> float:
    """The bar chart's full width: 100 for percent and points, else a round
    number above the largest value or target."""
    if indicator.unit != "count":
        return 100.0
    top = max([r.value or 0 for r in rows] + [r.target or 0 for r in rows] + [1])
    return nice_ceiling(float(top) * 1.05)


def _trend(year: int, results) -> tuple[list[int], dict]:
    """Years of the trend (those with targets or data up to ``year``, and every
    later year of the plan) and, per indicator code, {band: [(value, target)]}."""
    current = fiscal_year_of(today_jst())
    years = [y for y in report_years(db.session, year) if y > year - TREND_YEARS]
    plan = [y for y in target_years(db.session) if y > year]
    years = sorted(set(years) | set(plan))
    by_year = {}
    for y in years:
        if y == year:
            by_year[y] = {r.indicator.code: r for r in results}
        elif y <= current:
            by_year[y] = {r.indicator.code: r for r in compute_indicators(db.session, y).results}
    trend: dict[str, dict[str, list]] = {}
    for indicator in list_indicators(db.session):
        targets_by_year = {y: targets_for(db.session, y) for y in years}
        series = {}
        for band in indicator.bands:
            points = []
            for y in years:
                result = by_year.get(y, {}).get(indicator.code)
                row = (
                    next((r for r in result.rows if r.grade_band == band), None) if result else None
                )
                value = row.value if row else None
                points.append((value, targets_by_year[y].get((indicator.id, band))))
            series[band] = points
        trend[indicator.code] = series
    return years, trend


@bp.route("/indicators")
@_hr_only
def indicators():
    year = _year()
    figures = compute_indicators(db.session, year)
    years, trend = _trend(year, figures.results)
    survey = db.session.scalar(
        select(Survey).where(Survey.fiscal_year == year, Survey.is_current.is_(True))
    )
    return render_template(
        "metrics/indicators.html",
        year=year,
        years=_page_years(year),
        year_label=fiscal_year_label(year),
        as_of=figures.as_of,
        figures=figures,
        trend_years=years,
        trend=trend,
        survey=survey,
        distributions=survey_distributions(db.session, year),
        min_cell=MIN_CELL,
        chart_scale=chart_scale,
        no_survey=NO_SURVEY,
        not_mapped=NOT_MAPPED,
        has_targets=year in target_years(db.session),
        year_form=NewYearForm(formdata=None, data={"fiscal_year": _next_plan_year()}),
    )


def _next_plan_year() -> int:
    years = target_years(db.session)
    return (years[-1] + 1) if years else fiscal_year_of(today_jst())


@bp.route("/indicators/figures.<fmt>")
@_hr_only
def export_indicators(fmt):
    """The year's figures against targets as CSV, XLSX or PDF, with the year and
    the roster day they were counted on."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    year = _year()
    figures = compute_indicators(db.session, year)
    headers, rows = reports.indicator_table(figures, gap_as_text=fmt == "pdf")
    context = [
        [_("Fiscal year"), fiscal_year_label(year)],
        [_("Roster as of"), figures.as_of.isoformat()],
        [_("Job grade"), _("All")],
    ]
    return send_table(
        fmt,
        (_("HR-development indicators"), fy_name(year)),
        _("HR-development indicators"),
        context,
        headers,
        rows,
        sheet=f"FY{year}",
        audit=partial(audit_export, "indicators", year, fmt, len(rows), fiscal_year=year),
        ascii_name=f"indicators-FY{year}",
    )


def _parse_target(text: str) -> float | None:
    """「30」「30%」「３０％」「100人」 → the number; blank → None. ValueError otherwise."""
    text = nfkc(text).rstrip("%点人").strip()
    if not text:
        return None
    return float(text)


@bp.route("/indicators/targets", methods=["GET", "POST"])
@_hr_only
def targets():
    """One year's targets of every indicator and grade; a blank removes one."""
    year = _year()
    form = CsrfOnlyForm()
    indicators = list_indicators(db.session)
    current = targets_for(db.session, year)
    entered = {
        (i.id, band): ("" if current.get((i.id, band)) is None else f"{current[(i.id, band)]:g}")
        for i in indicators
        for band in i.bands
    }
    errors: dict[tuple[int, str], str] = {}
    if form.validate_on_submit():
        values = {}
        for indicator in indicators:
            for band in indicator.bands:
                key = (indicator.id, band)
                name = f"target-{indicator.id}-{band}"
                if name not in request.form:  # not on the form that was sent: unchanged
                    continue
                raw = request.form[name]
                entered[key] = raw
                try:
                    value = _parse_target(raw)
                    if value is not None:
                        check_target(indicator, value)
                except ValueError as error:  # IndicatorError is a ValueError
                    errors[key] = (
                        str(error) if isinstance(error, IndicatorError) else _("Enter a number.")
                    )
                    continue
                values[key] = value
        if not errors:
            changes = set_targets(db.session, year, values)
            for change in changes:
                record_event(
                    db.session,
                    "target_changed",
                    actor_id=current_user.id,
                    object_type="indicator",
                    object_id=change.indicator.code,
                    ip=client_ip(),
                    fiscal_year=year,
                    band=change.band,
                    before=change.before,
                    after=change.after,
                )
            db.session.commit()
            flash(
                _(
                    "The targets of %(year)s have been saved (%(n)d changed).",
                    year=fiscal_year_label(year),
                    n=len(changes),
                ),
                "success",
            )
            return redirect(url_for("metrics.indicators", fy=year))
    return render_template(
        "metrics/targets.html",
        form=form,
        year=year,
        year_label=fiscal_year_label(year),
        indicators=indicators,
        entered=entered,
        errors=errors,
    ), (422 if errors else 200)


@bp.route("/indicators/years", methods=["POST"])
@_hr_only
def add_year():
    """A new fiscal year of targets, copied from the latest earlier year."""
    form = NewYearForm()
    if not form.validate_on_submit():
        for message in form.fiscal_year.errors:
            flash(str(message), "error")
        return redirect(url_for("metrics.indicators"))
    year = form.fiscal_year.data
    try:
        changes = copy_targets(db.session, year)
    except IndicatorError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("metrics.indicators"))
    record_event(
        db.session,
        "target_year_added",
        actor_id=current_user.id,
        object_type="fiscal_year",
        object_id=year,
        ip=client_ip(),
        targets=len(changes),
    )
    db.session.commit()
    flash(
        _(
            "%(year)s has been added with the targets of the year before. Adjust them here.",
            year=fiscal_year_label(year),
        ),
        "success",
    )
    return redirect(url_for("metrics.targets", fy=year))


def _assessment_choices() -> list[SelectChoice]:
    """Every module or assessment that has a quiz, by code (slug)."""
    rows = db.session.execute(
        select(Module.slug, ModuleVersion.title)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(
            select(Question.id).where(Question.version_id == ModuleVersion.id).exists(),
        )
        .order_by(Module.is_archived, ModuleVersion.sort_order, Module.slug)
    ).all()
    return [SelectChoice(slug, f"{title}（{slug}）") for slug, title in rows]


def _known_categories() -> list[str]:
    return list(
        db.session.scalars(
            select(TrainingSession.category.distinct()).order_by(TrainingSession.category)
        )
    )


def _settings_from(form) -> dict:
    return {
        "number": form.number.data,
        "name": form.name.data,
        "bands": form.bands.data or [],
        "assessment": form.assessment.data,
        "pass_mark": form.pass_mark.data,
        "categories": split_categories(form.categories.data),
    }


def _indicator_form(template_form, indicator=None, status=200):
    return render_template(
        "metrics/indicator_form.html",
        form=template_form,
        indicator=indicator,
        kind_labels=KIND_LABELS,
        categories=_known_categories(),
    ), status


def _field_error(form, error: IndicatorError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error), "error")


@bp.route("/indicators/new", methods=["GET", "POST"])
@_hr_only
def new_indicator():
    form = NewIndicatorForm()
    form.assessment.choices = _assessment_choices()
    if request.method == "GET":
        numbers = [i.number for i in list_indicators(db.session)]
        form.number.data = max(numbers, default=0) + 1
        form.bands.data = list(BAND_CODES)
        form.assessment.data = "dx-literacy"
    if form.validate_on_submit():
        try:
            indicator = create_indicator(
                db.session, code=form.code.data, kind=form.kind.data, **_settings_from(form)
            )
        except IndicatorError as error:
            db.session.rollback()
            _field_error(form, error)
            return _indicator_form(form, status=422)
        record_event(
            db.session,
            "indicator_created",
            actor_id=current_user.id,
            object_type="indicator",
            object_id=indicator.code,
            ip=client_ip(),
            kind=indicator.kind,
            bands=indicator.bands,
            settings=indicator.settings,
        )
        db.session.commit()
        flash(
            _("The indicator %(name)s has been added. Enter its targets.", name=indicator.name),
            "success",
        )
        return redirect(url_for("metrics.targets", fy=fiscal_year_of(today_jst())))
    return _indicator_form(form, status=422 if request.method == "POST" else 200)


@bp.route("/indicators/<id:indicator_id>/edit", methods=["GET", "POST"])
@_hr_only
def edit_indicator(indicator_id):
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None:
        abort(404)
    settings = indicator.settings or {}
    form = IndicatorSettingsForm(
        data=None
        if request.method == "POST"
        else {
            "number": indicator.number,
            "name": indicator.name,
            "bands": list(indicator.bands),
            "assessment": settings.get("assessment"),
            "pass_mark": settings.get("pass_mark", 70),
            "categories": "\n".join(settings.get("categories") or []),
        }
    )
    form.assessment.choices = _assessment_choices()
    if form.validate_on_submit():
        try:
            changes = update_indicator(db.session, indicator, **_settings_from(form))
        except IndicatorError as error:
            db.session.rollback()
            _field_error(form, error)
            return _indicator_form(form, indicator, status=422)
        if changes:
            record_event(
                db.session,
                "indicator_changed",
                actor_id=current_user.id,
                object_type="indicator",
                object_id=indicator.code,
                ip=client_ip(),
                **{key: {"before": b, "after": a} for key, (b, a) in changes.items()},
            )
        db.session.commit()
        flash(_("The indicator %(name)s has been saved.", name=indicator.name), "success")
        return redirect(url_for("metrics.indicators"))
    return _indicator_form(form, indicator, status=422 if request.method == "POST" else 200)


@bp.app_template_global("kind_uses")
def kind_uses(kind: str) -> set[str]:
    """Which settings fields an indicator kind uses (the form shows the others
    as not applicable)."""
    if kind == ASSESSMENT_PASS_RATE:
        return {"assessment", "pass_mark", "bands"}
    if kind == ASSESSMENT_MEAN_SCORE:
        return {"assessment", "bands"}
    if kind == TRAINING_COUNT:
        return {"categories"}
    return {"bands"}
