from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from skillapp.assessment import bp, services
from skillapp.assessment.models import Attempt
from skillapp.city.views import city_profile
from skillapp.db import utcnow
from skillapp.extensions import db
from skillapp.learning.services import module_by_slug
from skillapp.util.dates import page_moment
from skillapp.util.ids import parse_id
from skillapp.util.placeholders import fill_plain
from skillapp.web import client_ip

_ERRORS = {
    "max_attempts": lambda: _("You have used all the attempts allowed for this test."),
    "max_attempts_per_year": lambda: _(
        "You have used the attempts allowed for this test this fiscal year. "
        "You can take it again from 1 April."
    ),
    "unavailable": lambda: _("This quiz is not available."),
    "time_up": lambda: _(
        "The time limit has passed. Your answers as saved at the deadline were scored."
    ),
    "submitted": lambda: _("This attempt has already been submitted."),
    "bad_question": lambda: _("That question is not part of this attempt."),
    "bad_option": lambda: _("That answer is not one of the options."),
}


def error_message(error: services.AttemptError) -> str:
    if error.code == "cooldown":
        return cooldown_message(error.available_at)
    return _ERRORS[error.code]()


def cooldown_message(available_at) -> str:
    return _(
        "You cannot start a new attempt yet: this test asks for a pause after each attempt. "
        "You can start again from %(time)s.",
        time=page_moment(available_at),
    )


def _own_attempt(attempt_id: int, *, close_if_expired: bool = False) -> Attempt:
    """The current user's attempt, else 404 (another user's attempt is not revealed).

    With ``close_if_expired``, an open attempt whose time is up is scored first
    (as its sheet stood at the deadline) and a notice is flashed.
    """
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    if close_if_expired and services.finalize_if_expired(db.session, attempt):
        db.session.commit()
        flash(_ERRORS["time_up"](), "warning")
    return attempt


def _answers_from_form(attempt: Attempt, form) -> dict[int, list[str]]:
    """Question id → option keys from the posted sheet (values are positions)."""
    answers = {}
    for name in form:
        question_id = parse_id(name[2:]) if name.startswith("q-") else None
        if question_id is not None:
            try:
                answers[question_id] = services.keys_from_positions(
                    attempt, question_id, form.getlist(name)
                )
            except services.AttemptError:
                continue  # not part of this attempt: ignored, as any stray field
    return answers


@bp.route("/modules/<slug>/attempts", methods=["POST"])
@login_required
def start(slug):
    module = module_by_slug(db.session, slug)
    if module is None:
        abort(404)
    try:
        attempt = services.start_attempt(db.session, current_user.id, module)
    except services.AttemptError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return redirect(url_for("learning.module", slug=slug))
    db.session.commit()
    return redirect(url_for("assessment.take", attempt_id=attempt.id))


@bp.route("/attempts/<id:attempt_id>")
@login_required
def take(attempt_id):
    attempt = _own_attempt(attempt_id, close_if_expired=True)
    if attempt.is_submitted:
        return redirect(url_for("assessment.result", attempt_id=attempt.id))
    sheet = services.answer_sheet(db.session, attempt)
    remaining = None
    if attempt.deadline_at is not None:
        remaining = max(0, int((attempt.deadline_at - utcnow()).total_seconds()))
    return render_template(
        "assessment/take.html",
        attempt=attempt,
        module=attempt.module,
        version=attempt.version,
        sheet=sheet,
        remaining=remaining,
    )


@bp.route("/attempts/<id:attempt_id>/answers", methods=["POST"])
@login_required
def save(attempt_id):
    """Save answers while the learner works: JSON from the page's script, or the
    whole form from the "save" button when scripts are off."""
    attempt = _own_attempt(attempt_id)
    if request.is_json:
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return jsonify(ok=False, error="bad_request"), 400
        question_id = parse_id(payload.get("question_id"))
        values = payload.get("selected", [])
        if question_id is None or not isinstance(values, list):
            return jsonify(ok=False, error="bad_request"), 400
        try:
            selected = services.keys_from_positions(attempt, question_id, values)
            saved_at = services.save_answer(
                db.session, attempt.id, current_user.id, question_id, selected
            )
        except services.AttemptError as error:
            db.session.rollback()
            status = 409 if error.code in ("submitted", "time_up") else 400
            return jsonify(ok=False, error=error.code, message=_ERRORS[error.code]()), status
        db.session.commit()
        return jsonify(ok=True, saved_at=saved_at.isoformat())
    answers = _answers_from_form(attempt, request.form)
    try:
        for question_id, selected in answers.items():
            services.save_answer(db.session, attempt.id, current_user.id, question_id, selected)
    except services.AttemptError as error:
        db.session.rollback()
        flash(_ERRORS[error.code](), "error")
        return redirect(url_for("assessment.take", attempt_id=attempt.id))
    db.session.commit()
    flash(_("Your answers have been saved."), "success")
    return redirect(url_for("assessment.take", attempt_id=attempt.id))


@bp.route("/attempts/<id:attempt_id>/submit", methods=["POST"])
@login_required
def submit(attempt_id):
    attempt = _own_attempt(attempt_id)
    result = services.submit_attempt(
        db.session,
        attempt.id,
        current_user.id,
        answers=_answers_from_form(attempt, request.form),
        ip=client_ip(),
    )
    db.session.commit()
    if not result.changed:
        flash(_ERRORS["submitted"](), "info")
    elif result.attempt.timed_out:
        flash(_ERRORS["time_up"](), "warning")
    elif request.form.get("auto") == "1":
        flash(_("Time is up: your answers were submitted automatically."), "warning")
    return redirect(url_for("assessment.result", attempt_id=attempt.id))


@bp.route("/attempts/<id:attempt_id>/result")
@login_required
def result(attempt_id):
    attempt = _own_attempt(attempt_id, close_if_expired=True)
    if not attempt.is_submitted:
        return redirect(url_for("assessment.take", attempt_id=attempt.id))
    sheet = services.answer_sheet(db.session, attempt)
    module = attempt.module
    left = services.attempts_left(db.session, current_user.id, module)
    available_at = services.next_attempt_at(db.session, current_user.id, module)
    return render_template(
        "assessment/result.html",
        attempt=attempt,
        module=module,
        version=attempt.version,
        sheet=sheet,
        answers_shown=services.answers_shown(db.session, attempt),
        attempts_left=left,
        available_at=available_at,
        can_retake=module.current_version is not None
        and not module.is_archived
        and (left is None or left > 0),
    )


@bp.route("/api/v1/attempts/<id:attempt_id>")
@login_required
def attempt_json(attempt_id):
    """The attempt as data. Before submission: questions, options and the learner's
    own choices only; the answer key is added after submission."""
    attempt = _own_attempt(attempt_id, close_if_expired=True)
    sheet = services.answer_sheet(db.session, attempt)
    shown = services.answers_shown(db.session, attempt)
    body = {
        "id": attempt.id,
        "module": attempt.module.slug,
        "status": attempt.status,
        "started_at": attempt.started_at.isoformat(),
        "deadline_at": attempt.deadline_at.isoformat() if attempt.deadline_at else None,
        "questions": [],
    }
    names = city_profile().placeholder_values()
    for q in sheet:
        item = {
            "id": q.id,
            "number": q.number,
            "type": q.type,
            "text": fill_plain(q.text, names),
            "options": [
                {"value": str(n), "text": fill_plain(o.text, names)}
                for n, o in enumerate(q.options, 1)
            ],
            "selected": [str(n) for n, o in enumerate(q.options, 1) if o.chosen],
        }
        if shown:
            item["correct"] = [str(n) for n, o in enumerate(q.options, 1) if o.correct]
            item["is_correct"] = q.is_correct
            item["explanation"] = fill_plain(q.explanation, names)
        body["questions"].append(item)
    if attempt.is_submitted:
        body.update(
            score=attempt.score,
            passed=attempt.passed,
            submitted_at=attempt.submitted_at.isoformat(),
            answers_shown=shown,
        )
    return jsonify(body)
