"""The editor for DX specialists: modules, lessons, quizzes, preview, publish,
history, and modules in and out as zip files. Authors and admins only."""

from io import BytesIO

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from skillapp.audit.services import record_event
from skillapp.auth.roles import ADMIN, AUTHOR
from skillapp.authoring import bp, services
from skillapp.authoring.export import module_zip, read_zip
from skillapp.authoring.forms import (
    QUESTION_TYPE_LABELS,
    REVIEW_LABELS,
    ImageForm,
    ImportForm,
    LessonForm,
    ModuleSettingsForm,
    NewModuleForm,
    OptionRow,
    QuestionForm,
    QuizSettingsForm,
    empty_rows,
    join_strata,
    join_tags,
    option_keys,
    option_rows,
    split_strata,
    split_tags,
)
from skillapp.authoring.images import ImageRejected, image_links
from skillapp.authoring.loader import (
    IMAGE_REF_PREFIX,
    MULTIPLE,
    QUESTION_TYPES,
    SINGLE,
    TRUE_FALSE,
    TRUE_FALSE_OPTIONS,
    LoadResult,
    QuestionSpec,
    load_module_files,
)
from skillapp.authoring.messages import editor_error, image_error
from skillapp.extensions import db
from skillapp.forms import CsrfOnlyForm
from skillapp.uploads.services import USED_OR_EXPIRED, hold_file, take_file
from skillapp.util.ids import parse_positive
from skillapp.util.markdown import render_markdown
from skillapp.web import client_ip, role_required

IMPORT_UPLOAD = "module_import"
# Empty option rows offered below the filled ones.
SPARE_OPTIONS = 2
MAX_OPTIONS = 26


@bp.before_request
@role_required(AUTHOR, ADMIN)
def _authors_only():
    return None


# --- helpers ------------------------------------------------------------------------


def _module_or_404(slug: str):
    module = services.module_for_editing(db.session, slug)
    if module is None:
        abort(404)
    return module


def _draft_or_redirect(module):
    """The module's draft; None (after a notice) when there is none to edit."""
    draft = services.get_draft(db.session, module, for_update=request.method == "POST")
    if draft is None:
        flash(_("Start a draft before you edit: learners keep the published version."), "info")
    return draft


def _to_module(module, anchor: str | None = None):
    return redirect(url_for("authoring.module", slug=module.slug, _anchor=anchor))


def _context(module, draft):
    spec = services.draft_spec(db.session, draft)
    validation = services.validate_draft(db.session, draft)
    current = module.current_version
    return {
        "module": module,
        "draft": draft,
        "spec": spec,
        "validation": validation,
        # Valid and the same as the published version: nothing to publish yet.
        "unchanged": validation.ok
        and current is not None
        and current.content_hash == validation.spec.content_hash,
        "stale": services.is_stale(draft),
        "published_keys": services.published_question_keys(db.session, module.id),
    }


def _saved(validation, section: str, key: str | None = None) -> None:
    """Confirm a save, saying at once if the draft still has problems there."""
    if validation.for_item(section, key):
        flash(_("Saved. The draft has problems to fix before it can be published."), "warning")
    else:
        flash(_("Saved."), "success")


# --- modules ------------------------------------------------------------------------


@bp.route("/")
def index():
    rows = services.authoring_modules(db.session)
    return render_template("authoring/index.html", rows=rows, form=CsrfOnlyForm())


@bp.route("/modules/<slug>/move", methods=["POST"])
def move_module(slug):
    """A module one place up or down in the list (for learners and HR too)."""
    module = _module_or_404(slug)
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    step = -1 if direction == "up" else 1
    if services.move_module(db.session, module, step, current_user.id, ip=client_ip()):
        flash(_("The order has been saved."), "success")
    db.session.commit()
    return redirect(url_for("authoring.index", _anchor=f"module-{module.slug}"))


@bp.route("/new", methods=["GET", "POST"])
def new_module():
    form = NewModuleForm()
    if form.validate_on_submit():
        try:
            draft = services.create_module(
                db.session,
                slug=form.slug.data,
                kind=form.kind.data,
                title=form.title.data,
                category=form.category.data,
                summary=form.summary.data,
                user_id=current_user.id,
            )
        except services.EditorError as error:
            db.session.rollback()
            form.slug.errors.append(editor_error(error))
        else:
            db.session.commit()
            flash(_("The module was created as a draft. Learners do not see it yet."), "success")
            return _to_module(draft.module)
    return render_template("authoring/new.html", form=form), 422 if form.errors else 200


@bp.route("/modules/<slug>")
def module(slug):
    module = _module_or_404(slug)
    draft = services.get_draft(db.session, module)
    context = {
        "module": module,
        "draft": draft,
        "form": CsrfOnlyForm(),
        "review_labels": REVIEW_LABELS,
        "type_labels": QUESTION_TYPE_LABELS,
        "image_markdown": image_markdown,
    }
    if draft is not None:
        context.update(_context(module, draft))
        context["image_form"] = ImageForm()
    context["history"] = services.module_history(db.session, module.id)[:5]
    return render_template("authoring/module.html", **context)


@bp.route("/modules/<slug>/draft", methods=["POST"])
def start_draft(slug):
    module = _module_or_404(slug)
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    try:
        services.start_draft(db.session, module, current_user.id)
    except services.EditorError as error:
        db.session.rollback()
        flash(editor_error(error), "error")
        return _to_module(module)
    db.session.commit()
    flash(
        _(
            "A draft was started from the published version. Learners keep seeing the "
            "published version until you publish the draft."
        ),
        "success",
    )
    return _to_module(module)


@bp.route("/modules/<slug>/settings", methods=["GET", "POST"])
def settings(slug):
    module = _module_or_404(slug)
    draft = _draft_or_redirect(module)
    if draft is None:
        return _to_module(module)
    spec = services.draft_spec(db.session, draft)
    form = ModuleSettingsForm(
        data={
            "title": spec.title,
            "category": spec.category,
            "summary": spec.summary,
            "estimated_minutes": spec.estimated_minutes,
            "tags": join_tags(spec.tags),
        }
    )
    if form.validate_on_submit():
        services.update_module_settings(
            db.session,
            draft,
            current_user.id,
            title=form.title.data or "",
            category=form.category.data,
            summary=form.summary.data or "",
            estimated_minutes=form.estimated_minutes.data,
            tags=split_tags(form.tags.data),
        )
        db.session.commit()
        _saved(services.validate_draft(db.session, draft), "module")
        return redirect(url_for("authoring.settings", slug=slug))
    return render_template(
        "authoring/settings.html", form=form, **_context(module, draft)
    ), 422 if form.errors else 200


@bp.route("/modules/<slug>/quiz", methods=["GET", "POST"])
def quiz_settings(slug):
    module = _module_or_404(slug)
    draft = _draft_or_redirect(module)
    if draft is None:
        return _to_module(module)
    quiz = services.draft_spec(db.session, draft).quiz
    form = QuizSettingsForm(
        data={
            "pass_mark": quiz.pass_mark,
            "draw": quiz.draw,
            "stratify_by": join_strata(quiz.stratify_by, quiz.stratify_counts),
            "time_limit_minutes": quiz.time_limit_minutes,
            "max_attempts": quiz.max_attempts,
            "max_attempts_per_year": quiz.max_attempts_per_year,
            "cooldown_minutes": quiz.cooldown_minutes,
            "shuffle_questions": quiz.shuffle_questions,
            "shuffle_options": quiz.shuffle_options,
            "review": quiz.review,
        }
    )
    if form.validate_on_submit():
        services.update_quiz_settings(
            db.session,
            draft,
            current_user.id,
            pass_mark=form.pass_mark.data,
            draw=form.draw.data,
            stratify_by=split_strata(form.stratify_by.data)[0],
            stratify_counts=split_strata(form.stratify_by.data)[1],
            time_limit_minutes=form.time_limit_minutes.data,
            max_attempts=form.max_attempts.data,
            max_attempts_per_year=form.max_attempts_per_year.data,
            cooldown_minutes=form.cooldown_minutes.data,
            shuffle_questions=form.shuffle_questions.data,
            shuffle_options=form.shuffle_options.data,
            review=form.review.data,
        )
        db.session.commit()
        _saved(services.validate_draft(db.session, draft), "quiz")
        return redirect(url_for("authoring.quiz_settings", slug=slug))
    return render_template(
        "authoring/quiz.html", form=form, **_context(module, draft)
    ), 422 if form.errors else 200


# --- lessons ------------------------------------------------------------------------


def _lesson_page(module, draft, form, lesson_key, preview_html=None, status=200):
    context = _context(module, draft)
    if preview_html is None:
        preview_html = render_markdown(form.body.data or "", image_links(context["spec"].images))
    return render_template(
        "authoring/lesson.html",
        form=form,
        lesson_key=lesson_key,
        image_form=ImageForm(),
        preview_html=preview_html,
        image_markdown=[(image, image_markdown(image)) for image in context["spec"].images],
        **context,
    ), status


@bp.route("/modules/<slug>/new-lesson", methods=["GET", "POST"])
@bp.route("/modules/<slug>/lessons/<key>", methods=["GET", "POST"])
def lesson(slug, key=None):
    module = _module_or_404(slug)
    draft = _draft_or_redirect(module)
    if draft is None:
        return _to_module(module)
    spec = services.draft_spec(db.session, draft)
    existing = services.find_lesson(spec, key) if key is not None else None
    if key is not None and existing is None:
        abort(404)
    if existing is not None:
        data = {
            "key": existing.key,
            "title": existing.title,
            "minutes": existing.minutes,
            "body": existing.body_md,
        }
    else:
        data = {"key": ""}  # made from the title when left empty
    form = LessonForm(data=data)
    if request.method == "POST" and request.form.get("action") == "preview":
        # Without script: show the posted text rendered, nothing saved.
        html = render_markdown(form.body.data or "", image_links(spec.images))
        return _lesson_page(module, draft, form, key, preview_html=html)
    if form.validate_on_submit():
        try:
            saved = services.save_lesson(
                db.session,
                draft,
                current_user.id,
                old_key=key,
                key=form.key.data,
                title=form.title.data or "",
                minutes=form.minutes.data,
                body_md=form.body.data or "",
            )
        except services.EditorError as error:
            db.session.rollback()
            form.key.errors.append(editor_error(error))
        else:
            db.session.commit()
            _saved(services.validate_draft(db.session, draft), "lesson", saved.key)
            return redirect(url_for("authoring.lesson", slug=slug, key=saved.key))
    status = 422 if form.errors else 200
    return _lesson_page(module, draft, form, key, status=status)


@bp.route("/modules/<slug>/lessons/<key>/delete", methods=["POST"])
def delete_lesson(slug, key):
    module = _module_or_404(slug)
    draft = _draft_or_redirect(module)
    if draft is None or not CsrfOnlyForm().validate_on_submit():
        return _to_module(module)
    try:
        services.delete_lesson(db.session, draft, current_user.id, key)
    except services.EditorError:
        abort(404)
    db.session.commit()
    flash(_("The lesson was removed from the draft."), "success")
    return _to_module(module, "lessons")


@bp.route("/modules/<slug>/markdown", methods=["POST"])
def markdown_preview(slug):
    """The live preview: Markdown in, the same sanitised HTML learners would get out."""
    module = _module_or_404(slug)
    draft = services.get_draft(db.session, module)
    payload = request.get_json(silent=True) or {}
    source = payload.get("markdown")
    if not isinstance(source, str):
        return jsonify(ok=False, error="bad_request"), 400
    images = services.draft_spec(db.session, draft).images if draft else []
    return jsonify(ok=True, html=render_markdown(source, image_links(images)))


# --- images -------------------------------------------------------------------------


def image_markdown(image) -> str:
    """How a lesson shows the image; the author replaces the placeholder description."""
    description = _("describe the image")
    return "![" + description + "](" + IMAGE_REF_PREFIX + image.name + ")"


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/modules/<slug>/images", methods=["POST"])
def upload_image(slug):
    module = _module_or_404(slug)
    draft = services.get_draft(db.session, module, for_update=True)
    back = request.form.get("back") or url_for("authoring.module", slug=slug, _anchor="images")
    if not back.startswith("/authoring/"):
        back = url_for("authoring.module", slug=slug, _anchor="images")
    if draft is None:
        if _wants_json():
            return jsonify(ok=False, message=_("Start a draft first.")), 409
        return _to_module(module)
    form = ImageForm()
    if not form.validate_on_submit():
        message = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        if _wants_json():
            return jsonify(ok=False, message=message), 400
        flash(message, "error")
        return redirect(back)
    upload = form.image.data
    try:
        image = services.add_image(
            db.session,
            draft,
            current_user.id,
            file_name=upload.filename or "",
            data=upload.read(),
        )
    except ImageRejected as error:
        db.session.rollback()
        if _wants_json():
            return jsonify(ok=False, message=image_error(error)), 400
        flash(image_error(error), "error")
        return redirect(back)
    db.session.commit()
    markdown = image_markdown(image)
    if _wants_json():
        return jsonify(ok=True, name=image.name, markdown=markdown)
    flash(
        _(
            "The image %(name)s was added. Show it in a lesson with: %(markdown)s",
            name=image.name,
            markdown=markdown,
        ),
        "success",
    )
    return redirect(back)


@bp.route("/modules/<slug>/images/<name>/delete", methods=["POST"])
def delete_image(slug, name):
    module = _module_or_404(slug)
    draft = _draft_or_redirect(module)
    if draft is None or not CsrfOnlyForm().validate_on_submit():
        return _to_module(module)
    try:
        services.delete_image(db.session, draft, current_user.id, name)
    except services.EditorError:
        abort(404)
    db.session.commit()
    flash(_("The image was removed from the draft."), "success")
    return _to_module(module, "images")


# --- questions ----------------------------------------------------------------------


def _question_from_form(form, rows) -> QuestionSpec:
    qtype = form.type.data
    if qtype == TRUE_FALSE:
        options = list(TRUE_FALSE_OPTIONS)
        correct = [form.answer.data] if form.answer.data in ("true", "false") else []
    else:
        filled = [row for row in rows if row.text]
        keys = option_keys(rows)
        options = [(k, row.text) for k, row in zip(keys, filled, strict=True)]
        correct = [k for k, row in zip(keys, filled, strict=True) if row.correct]
    return QuestionSpec(
        key=(form.key.data or "").strip(),
        type=qtype,
        text=(form.text.data or "").strip(),
        options=options,
        correct_keys=correct,
        explanation=(form.explanation.data or "").strip(),
        weight=form.weight.data if form.weight.data is not None else 1,
        tags=split_tags(form.tags.data),
        group=(form.group.data or "").strip() or None,
    )


def _rows_for(question: QuestionSpec | None):
    if question is None or question.type == TRUE_FALSE:
        return []
    return [OptionRow(k, text, k in question.correct_keys) for k, text in question.options]


@bp.route("/modules/<slug>/new-question", methods=["GET", "POST"])
@bp.route("/modules/<slug>/questions/<key>", methods=["GET", "POST"])
def question(slug, key=None):
    module = _module_or_404(slug)
    draft = _draft_or_redirect(module)
    if draft is None:
        return _to_module(module)
    spec = services.draft_spec(db.session, draft)
    existing = services.find_question(spec, key) if key is not None else None
    if key is not None and existing is None:
        abort(404)
    if existing is not None:
        data = {
            "key": existing.key,
            "type": existing.type,
            "text": existing.text,
            "explanation": existing.explanation,
            "weight": existing.weight,
            "tags": join_tags(existing.tags),
            "group": existing.group or "",
            "answer": existing.correct_keys[0] if existing.type == TRUE_FALSE else None,
        }
    else:
        qtype = request.args.get("type", SINGLE)
        data = {
            "key": "",  # the next free q-NN when left empty
            "type": qtype if qtype in QUESTION_TYPES else SINGLE,
            "weight": 1,
        }
    form = QuestionForm(data=data)
    rows = _rows_for(existing)
    if request.method == "POST":
        count = min(MAX_OPTIONS, parse_positive(request.form.get("option_count", "")) or 0)
        rows = option_rows(request.form, count)
    status = 200
    if request.method == "POST" and request.form.get("action") == "more_options":
        rows = [*rows, *empty_rows(2)]  # two more empty rows, nothing saved
    elif form.validate_on_submit():
        question = _question_from_form(form, rows)
        try:
            question = services.save_question(
                db.session, draft, current_user.id, old_key=key, question=question
            )
        except services.EditorError as error:
            db.session.rollback()
            form.key.errors.append(editor_error(error))
            status = 422
        else:
            db.session.commit()
            _saved(services.validate_draft(db.session, draft), "question", question.key)
            return redirect(url_for("authoring.question", slug=slug, key=question.key))
    elif request.method == "POST":
        status = 422
    filled = [row for row in rows if row.text or row.key]
    spare = max(SPARE_OPTIONS, 4 - len(filled)) if len(filled) < MAX_OPTIONS else 0
    rows = filled + empty_rows(spare)[: MAX_OPTIONS - len(filled)]
    return render_template(
        "authoring/question.html",
        form=form,
        rows=rows,
        question_key=key,
        existing=existing,
        type_labels=QUESTION_TYPE_LABELS,
        SINGLE=SINGLE,
        MULTIPLE=MULTIPLE,
        TRUE_FALSE=TRUE_FALSE,
        **_context(module, draft),
    ), status


@bp.route("/modules/<slug>/questions/<key>/retire", methods=["POST"])
def retire_question(slug, key):
    module = _module_or_404(slug)
    draft = _draft_or_redirect(module)
    if draft is None or not CsrfOnlyForm().validate_on_submit():
        return _to_module(module)
    retired = request.form.get("retired") == "1"
    try:
        services.set_question_retired(
            db.session, draft, current_user.id, key, retired, ip=client_ip()
        )
    except services.EditorError:
        abort(404)
    db.session.commit()
    if retired:
        flash(
            _(
                "The question is retired in the draft. Once published it is drawn no more; "
                "past attempts keep it in their review."
            ),
            "success",
        )
    else:
        flash(_("The question is back in use in the draft."), "success")
    return _to_module(module, "questions")


@bp.route("/modules/<slug>/questions/<key>/move", methods=["POST"])
def move_question(slug, key):
    module = _module_or_404(slug)
    draft = _draft_or_redirect(module)
    if draft is None or not CsrfOnlyForm().validate_on_submit():
        return _to_module(module)
    step = -1 if request.form.get("direction") == "up" else 1
    try:
        services.move_question(db.session, draft, current_user.id, key, step)
    except services.EditorError:
        abort(404)
    db.session.commit()
    return _to_module(module, f"question-{key}")


@bp.route("/modules/<slug>/questions/<key>/delete", methods=["POST"])
def delete_question(slug, key):
    module = _module_or_404(slug)
    draft = _draft_or_redirect(module)
    if draft is None or not CsrfOnlyForm().validate_on_submit():
        return _to_module(module)
    try:
        services.delete_question(db.session, draft, current_user.id, key)
    except services.EditorError as error:
        db.session.rollback()
        if error.code == "not_found":
            abort(404)
        flash(editor_error(error), "error")
        return _to_module(module, "questions")
    db.session.commit()
    flash(_("The question was removed from the draft."), "success")
    return _to_module(module, "questions")


# --- preview ------------------------------------------------------------------------


def _preview_context(module):
    draft = services.get_draft(db.session, module)
    if draft is None:
        abort(404)
    spec = services.draft_spec(db.session, draft)
    return draft, spec, image_links(spec.images)


@bp.route("/modules/<slug>/preview")
def preview(slug):
    module = _module_or_404(slug)
    draft, spec, _links = _preview_context(module)
    return render_template(
        "authoring/preview_module.html",
        module=module,
        draft=draft,
        spec=spec,
        validation=services.validate_draft(db.session, draft),
    )


@bp.route("/modules/<slug>/preview/lessons/<key>")
def preview_lesson(slug, key):
    module = _module_or_404(slug)
    draft, spec, links = _preview_context(module)
    lessons = spec.lessons
    index = next((i for i, lesson in enumerate(lessons) if lesson.key == key), None)
    if index is None:
        abort(404)
    return render_template(
        "authoring/preview_lesson.html",
        module=module,
        spec=spec,
        lesson=lessons[index],
        body_html=render_markdown(lessons[index].body_md, links),
        index=index,
        lessons=lessons,
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
    )


@bp.route("/modules/<slug>/preview/quiz")
def preview_quiz(slug):
    module = _module_or_404(slug)
    _draft, spec, _links = _preview_context(module)
    return render_template("authoring/preview_quiz.html", module=module, spec=spec)


# --- publish, discard, history ------------------------------------------------------


@bp.route("/modules/<slug>/publish", methods=["POST"])
def publish(slug):
    module = _module_or_404(slug)
    draft = _draft_or_redirect(module)
    if draft is None or not CsrfOnlyForm().validate_on_submit():
        return _to_module(module)
    result = services.publish_draft(db.session, draft, current_user.id, ip=client_ip())
    if result.version is None:
        db.session.rollback()
        if result.unchanged:
            flash(_("Nothing to publish: the draft is the same as the published version."), "info")
        else:
            flash(_("The draft has problems: fix them, then publish."), "error")
        return _to_module(module, "publish")
    db.session.commit()
    flash(
        _(
            "Version %(n)d is published: learners see it from now on. Past attempts keep the "
            "version they were taken on.",
            n=result.version,
        ),
        "success",
    )
    return _to_module(module)


@bp.route("/modules/<slug>/discard", methods=["POST"])
def discard(slug):
    module = _module_or_404(slug)
    draft = _draft_or_redirect(module)
    if draft is None or not CsrfOnlyForm().validate_on_submit():
        return _to_module(module)
    removed = services.discard_draft(db.session, draft, current_user.id, ip=client_ip())
    db.session.commit()
    if removed:
        flash(_("The unpublished module was deleted."), "success")
        return redirect(url_for("authoring.index"))
    flash(_("The draft was discarded. The published version is unchanged."), "success")
    return _to_module(module)


@bp.route("/modules/<slug>/history")
def history(slug):
    module = _module_or_404(slug)
    return render_template(
        "authoring/history.html",
        module=module,
        draft=services.get_draft(db.session, module),
        changes=services.module_history(db.session, module.id),
    )


# --- export and import --------------------------------------------------------------


@bp.route("/modules/<slug>/export.zip")
def export_zip(slug):
    module = _module_or_404(slug)
    spec = services.published_spec(db.session, module)
    if spec is None:
        abort(404)
    record_event(
        db.session,
        "content_export",
        actor_id=current_user.id,
        object_type="module",
        object_id=slug,
        ip=client_ip(),
        version=module.current_version.number,
        via="browser",
    )
    db.session.commit()
    return send_file(
        BytesIO(module_zip(spec)),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{slug}.zip",
    )


@bp.route("/import")
def import_form():
    return render_template("authoring/import.html", form=ImportForm())


def _load_zip(name: str, data: bytes):
    slug, files, problems = read_zip(data, name)
    if problems:
        return LoadResult(problems=problems)
    return load_module_files(slug, files, label=f"{name}:{slug}")


@bp.route("/import", methods=["POST"])
def import_preview():
    """Upload a zip: validate it exactly like content sync and show what it would do."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("authoring/import.html", form=form), 422
    upload = form.file.data
    name = upload.filename or "module.zip"
    data = upload.read()
    loaded = _load_zip(name, data)
    if loaded.problems:
        return render_template(
            "authoring/import.html", form=form, problems=loaded.problems, file_name=name
        ), 422
    plan = services.plan_import(db.session, loaded.modules[0])
    token = None
    if not plan.kind_conflict and plan.outcome != "unchanged":
        token = hold_file(
            db.session, user_id=current_user.id, purpose=IMPORT_UPLOAD, file_name=name, data=data
        )
    db.session.commit()
    return render_template(
        "authoring/import_preview.html",
        plan=plan,
        token=token,
        file_name=name,
        form=CsrfOnlyForm(),
    )


@bp.route("/import/confirm", methods=["POST"])
def import_confirm():
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    # Taken once: of several confirms of one upload, exactly one applies it
    # (a rollback below holds it again).
    held = take_file(
        db.session, request.form.get("token", ""), user_id=current_user.id, purpose=IMPORT_UPLOAD
    )
    if held is None:
        flash(str(USED_OR_EXPIRED), "error")
        return redirect(url_for("authoring.import_form"))
    loaded = _load_zip(held.file_name, held.data)
    report = services.import_loaded(
        db.session,
        loaded,
        user_id=current_user.id,
        source=held.file_name,
        via="browser",
        ip=client_ip(),
    )
    if report.problems:
        db.session.rollback()
        return render_template(
            "authoring/import.html",
            form=ImportForm(),
            problems=report.problems,
            file_name=held.file_name,
        ), 422
    db.session.commit()
    slug = loaded.modules[0].slug
    if report.changed:
        flash(
            _(
                "Imported: version %(n)d of %(slug)s is published.",
                n=report.versions[slug],
                slug=slug,
            ),
            "success",
        )
    else:
        flash(_("Nothing changed: the module is the same as its published version."), "info")
    if report.drafts_kept:
        flash(
            _(
                "This module also has a draft in the editor, started from an older version. "
                "It was kept: check it before you publish it."
            ),
            "warning",
        )
    return redirect(url_for("authoring.module", slug=slug))
