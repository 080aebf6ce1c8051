from flask import Response, abort, render_template
from flask_login import current_user, login_required

from skillapp.assessment.rules import rules_for
from skillapp.assessment.services import attempts_left, next_attempt_at, user_attempts
from skillapp.assignments.queries import requirements_for
from skillapp.certificates.services import certificate_for, user_certificates
from skillapp.extensions import db
from skillapp.learning import bp, services
from skillapp.learning.models import CATEGORIES


@bp.route("/")
@login_required
def home():
    modules = services.published_modules(db.session)
    progress = services.progress_for(db.session, current_user.id, modules)
    courses = [m for m in modules if not m.is_assessment]
    assessments = [m for m in modules if m.is_assessment]
    done = sum(1 for m in courses if progress[m.id].complete)
    return render_template(
        "learning/home.html",
        required=requirements_for(db.session, current_user.staff_id),
        courses=courses,
        assessments=assessments,
        progress=progress,
        done=done,
        categories=CATEGORIES,
    )


def _module_or_404(slug):
    module = services.module_by_slug(db.session, slug)
    if module is None:
        abort(404)
    return module


@bp.route("/modules/<slug>")
@login_required
def module(slug):
    module = _module_or_404(slug)
    progress = services.progress_for(db.session, current_user.id, [module])[module.id]
    attempts = user_attempts(db.session, current_user.id, module.id)
    version = module.current_version
    rules = rules_for(db.session, module)
    left = attempts_left(db.session, current_user.id, module, rules=rules)
    viewed = services.viewed_lesson_keys(db.session, current_user.id, module.id)
    certificate = certificate_for(db.session, current_user.id, module.id)
    certifiable = progress.passed if module.is_assessment else progress.complete
    return render_template(
        "learning/module.html",
        certificate=certificate,
        certifiable=certifiable or certificate is not None,
        module=module,
        version=version,
        progress=progress,
        attempts=attempts,
        attempts_left=left,
        rules=rules,
        available_at=next_attempt_at(db.session, current_user.id, module, rules=rules),
        viewed=viewed,
    )


@bp.route("/modules/<slug>/lessons/<key>")
@login_required
def lesson(slug, key):
    module = _module_or_404(slug)
    lessons = module.current_version.lessons
    index = next((i for i, item in enumerate(lessons) if item.key == key), None)
    if index is None:
        abort(404)
    services.record_lesson_view(db.session, current_user.id, module, key)
    db.session.commit()
    progress = services.progress_for(db.session, current_user.id, [module])[module.id]
    return render_template(
        "learning/lesson.html",
        module=module,
        lesson=lessons[index],
        index=index,
        lessons=lessons,
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
        progress=progress,
    )


@bp.route("/history")
@login_required
def history():
    attempts = user_attempts(db.session, current_user.id)
    certificates = user_certificates(db.session, current_user.id)
    # Completed modules and passed assessments whose certificate is not issued yet.
    issued = {c.module_id for c in certificates}
    modules = [m for m in services.published_modules(db.session) if m.id not in issued]
    progress = services.progress_for(db.session, current_user.id, modules)
    ready = [
        m
        for m in modules
        if (progress[m.id].passed if m.is_assessment else progress[m.id].complete)
    ]
    return render_template(
        "learning/history.html", attempts=attempts, certificates=certificates, ready=ready
    )


@bp.route("/images/<sha256>")
@login_required
def image(sha256):
    """A lesson image, by the SHA-256 of its bytes. Learners get the images of
    published versions; authors also those of drafts."""
    from skillapp.auth.roles import ADMIN, AUTHOR
    from skillapp.authoring.images import published_image, stored_image

    if current_user.has_role(AUTHOR, ADMIN):
        found = stored_image(db.session, sha256)
    else:
        found = published_image(db.session, sha256)
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.content_type)
    # The address names the bytes: they never change, so browsers may keep them.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
