"""HR's survey import: upload → map the columns in the browser (or give a
MAP.yaml) → preview with the figures it would give → confirm. Re-importing a
year replaces it; the history keeps the earlier import, superseded."""

import json
from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from skillapp.auth.roles import ADMIN, HR
from skillapp.extensions import db
from skillapp.imports.models import SURVEY, DataImport
from skillapp.imports.services import import_history
from skillapp.metrics.services import target_years
from skillapp.roster.bands import BAND_CODES, BAND_LABELS
from skillapp.surveys import bp
from skillapp.surveys.forms import MappingState, SurveyStepForm, SurveyUploadForm
from skillapp.surveys.importing import (
    SurveyFile,
    apply_survey,
    check_mapping,
    load_mapping_yaml,
    mapping_yaml,
    plan_survey,
    preview_figures,
    read_survey,
    saved_mapping,
    survey_indicators,
)
from skillapp.surveys.models import SurveyMapping
from skillapp.uploads.services import USED_OR_EXPIRED, held_file, hold_file, take_file
from skillapp.util.dates import fiscal_year_label, fiscal_year_of, today_jst
from skillapp.util.spreadsheets import CellProblem
from skillapp.web import client_ip, role_required

UPLOAD = "survey_upload"
YAML_MIMETYPE = "application/yaml"


@bp.before_request
@role_required(HR, ADMIN)
def _hr_only():
    return None


def _years() -> list[int]:
    current = fiscal_year_of(today_jst())
    years = set(range(current - 4, current + 2)) | set(target_years(db.session))
    return sorted(years, reverse=True)


def _index(form: SurveyUploadForm, *, status: int = 200, **context):
    mappings = db.session.execute(
        select(SurveyMapping.fiscal_year, SurveyMapping.updated_at).order_by(
            SurveyMapping.fiscal_year.desc()
        )
    ).all()
    return render_template(
        "surveys/index.html",
        form=form,
        history=import_history(db.session, SURVEY, limit=100),
        mappings=mappings,
        **context,
    ), status


def _upload_form(year: int | None = None) -> SurveyUploadForm:
    form = SurveyUploadForm() if year is None else SurveyUploadForm(fiscal_year=year)
    form.fiscal_year.choices = [(y, fiscal_year_label(y)) for y in _years()]
    return form


@bp.route("/surveys")
def index():
    year = request.args.get("fiscal_year", fiscal_year_of(today_jst()), type=int)
    if not 2000 <= year <= 2100:
        abort(400)
    return _index(_upload_form(year))


@bp.route("/surveys/mappings/<id:fiscal_year>.yaml")
def saved_mapping_yaml(fiscal_year):
    row = db.session.get(SurveyMapping, fiscal_year)
    if row is None:
        abort(404)
    return _yaml_download(row.mapping, fiscal_year)


def _yaml_download(mapping: dict, fiscal_year: int):
    data = mapping_yaml(mapping).encode("utf-8")
    return send_file(
        BytesIO(data),
        mimetype=YAML_MIMETYPE,
        as_attachment=True,
        download_name=f"MAP-FY{fiscal_year}.yaml",
    )


def _step(token: str, year: int, skip_invalid: bool, mapping: dict | None = None):
    # formdata=None: the values given here, never the request's own fields.
    return SurveyStepForm(
        formdata=None,
        data={
            "token": token,
            "fiscal_year": str(year),
            "skip_invalid": "1" if skip_invalid else "",
            "mapping": "" if mapping is None else json.dumps(mapping, ensure_ascii=False),
        },
    )


@bp.route("/surveys/upload", methods=["POST"])
def upload():
    form = _upload_form()
    if not form.validate_on_submit():
        return _index(form, status=422)
    upload = form.file.data
    data = upload.read()
    file_name = upload.filename or "survey"
    survey, problems = read_survey(data)
    if problems:
        return _index(form, status=422, problems=problems, file_name=file_name)
    mapping = None
    if form.mapping_file.data:
        mapping_name = form.mapping_file.data.filename or "MAP.yaml"
        try:
            text = form.mapping_file.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            problems = ["UTF-8 で保存してください。"]
        else:
            mapping, problems = load_mapping_yaml(text)
        if problems:
            return _index(
                form,
                status=422,
                problems=[CellProblem(None, None, p) for p in problems],
                file_name=mapping_name,
            )
    year, skip = form.fiscal_year.data, form.skip_invalid.data
    token = hold_file(
        db.session, user_id=current_user.id, purpose=UPLOAD, file_name=file_name, data=data
    )
    db.session.commit()
    if mapping is not None:
        return _preview(_step(token, year, skip, mapping), survey, data, file_name, mapping)
    saved = saved_mapping(db.session, year)
    indicators = survey_indicators(db.session)
    state = MappingState.from_mapping(
        survey, saved[1] if saved else None, [i.code for i in indicators]
    )
    return _mapping_form(
        _step(token, year, skip), survey, state, file_name, saved_year=saved[0] if saved else None
    )


def _held(step: SurveyStepForm, *, take: bool = False):
    """The held file and its survey, or None when it has expired or been used.

    ``take``: use it up (the confirm), so that of several confirms of one
    upload exactly one applies it; a request that does not commit holds it again.
    """
    if not step.validate_on_submit() or step.year is None:
        abort(400)
    find = take_file if take else held_file
    held = find(db.session, step.token.data, user_id=current_user.id, purpose=UPLOAD)
    if held is None:
        return None, None
    survey, problems = read_survey(held.data)
    if problems or survey is None:  # it was read before it was held
        abort(400)
    return held, survey


def _posted_mapping(step: SurveyStepForm) -> dict | None:
    if not step.mapping.data:
        return None
    mapping, problems = load_mapping_yaml(step.mapping.data)  # JSON is YAML
    if problems:
        abort(400)
    return mapping


def _expired():
    flash(str(USED_OR_EXPIRED), "error")
    return redirect(url_for("surveys.index"))


@bp.route("/surveys/mapping", methods=["POST"])
def mapping():
    """The mapping form's buttons: show the chosen columns' answers, download
    the mapping as MAP.yaml, or check the survey with it (the preview)."""
    step = SurveyStepForm()
    held, survey = _held(step)
    if held is None:
        return _expired()
    indicators = survey_indicators(db.session)
    codes = [i.code for i in indicators]
    mapping = _posted_mapping(step)  # from the preview: "edit" or "yaml"
    if mapping is not None:
        state = MappingState.from_mapping(survey, mapping, codes)
    else:
        state = MappingState.from_form(survey, request.form, codes)
        mapping = state.to_mapping(survey)
    action = request.form.get("action", "refresh")
    skip = step.skip_invalid.data == "1"
    if action == "yaml":
        return _yaml_download(mapping, step.year)
    step = _step(step.token.data, step.year, skip)
    if action == "preview":
        problems = check_mapping(db.session, mapping, survey)
        if problems:
            return _mapping_form(step, survey, state, held.file_name, problems=problems)
        return _preview(
            _step(step.token.data, step.year, skip, mapping),
            survey,
            held.data,
            held.file_name,
            mapping,
        )
    return _mapping_form(step, survey, state, held.file_name)


def _mapping_form(step, survey: SurveyFile, state: MappingState, file_name: str, **context):
    status = 422 if context.get("problems") else 200
    return render_template(
        "surveys/mapping.html",
        step=step,
        year=int(step.fiscal_year.data),
        file_name=file_name,
        survey=survey,
        state=state,
        columns=MappingState.columns(survey),
        choice_columns=MappingState.choice_columns(survey),
        counts={h: survey.values(h) for h in survey.headers if h},
        indicators=survey_indicators(db.session),
        bands=BAND_CODES,
        band_labels=BAND_LABELS,
        **context,
    ), status


def _preview(step, survey: SurveyFile, data: bytes, file_name: str, mapping: dict):
    year = int(step.fiscal_year.data)
    plan = plan_survey(
        db.session,
        data,
        fiscal_year=year,
        mapping=mapping,
        skip_invalid=step.skip_invalid.data == "1",
    )
    figures, replaces = [], None
    if not plan.blocked:
        if plan.payload.replaces is not None:
            replaces = db.session.get(DataImport, plan.payload.replaces.import_id)
        figures = preview_figures(db.session, plan, file_name=file_name, data=data)
    return render_template(
        "surveys/preview.html",
        step=step,
        year=year,
        plan=plan,
        file_name=file_name,
        mapping=mapping,
        figures=figures,
        replaces=replaces,
    ), (422 if plan.blocked else 200)


@bp.route("/surveys/confirm", methods=["POST"])
def confirm():
    step = SurveyStepForm()
    held, survey = _held(step, take=True)
    if held is None:
        return _expired()
    mapping = _posted_mapping(step)
    if mapping is None:
        abort(400)
    year = step.year
    # Plan again from the held file: the roster may have changed since the preview.
    plan = plan_survey(
        db.session,
        held.data,
        fiscal_year=year,
        mapping=mapping,
        skip_invalid=step.skip_invalid.data == "1",
    )
    if plan.blocked:
        return _preview(step, survey, held.data, held.file_name, mapping)
    if plan.payload.unchanged:
        db.session.commit()
        flash(
            _(
                "This file and mapping are already the survey of %(year)s: nothing changed.",
                year=fiscal_year_label(year),
            ),
            "info",
        )
        return redirect(url_for("surveys.index", fiscal_year=year))
    record = apply_survey(
        db.session,
        plan,
        file_name=held.file_name,
        data=held.data,
        by_user_id=current_user.id,
        ip=client_ip(),
    )
    db.session.commit()
    flash(
        _(
            "The survey of %(year)s has been imported from %(file)s: %(n)d respondents.",
            year=fiscal_year_label(year),
            file=record.file_name,
            n=record.counts.get("new", 0),
        ),
        "success",
    )
    return redirect(url_for("surveys.index", fiscal_year=year))
