"""HR's pages for assessment results and training records: upload → preview →
confirm, and each kind's import history. One view and one template pair serve
both kinds; what differs is in ``KINDS``."""

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from skillapp.assessment.importing import apply_results, plan_results
from skillapp.auth.roles import ADMIN, HR
from skillapp.extensions import db
from skillapp.imports import bp
from skillapp.imports.forms import ImportConfirmForm, ImportUploadForm
from skillapp.imports.models import RESULTS, TRAINING
from skillapp.imports.services import ImportPlan, import_history
from skillapp.training.importing import apply_training, plan_training
from skillapp.uploads.services import USED_OR_EXPIRED, hold_file, take_file
from skillapp.web import client_ip, role_required

# What the counts of a plan or an import record mean, for people.
COUNT_LABELS = {
    "rows": _l("rows"),
    "new": _l("new"),
    "changed": _l("changed"),
    "unchanged": _l("unchanged"),
    "duplicates": _l("repeated rows"),
    "sessions_new": _l("new training sessions"),
    "replaced": _l("replaced responses"),
    "unmapped": _l("unmapped grade answers"),
    "skipped": _l("skipped rows"),
}
SAMPLE_TITLES = {
    "new": _l("New"),
    "changed": _l("Changed"),
    "bands": _l("Respondents by job grade"),
}


@bp.app_template_global("count_label")
def count_label(key: str) -> str:
    return str(COUNT_LABELS.get(key, key))


@bp.app_template_global("sample_title")
def sample_title(key: str) -> str:
    return str(SAMPLE_TITLES.get(key, key))


@dataclass(frozen=True)
class Kind:
    code: str
    title: object  # a lazy string
    columns: object
    plan: object
    apply: object

    @property
    def purpose(self) -> str:
        return f"{self.code}_upload"


KINDS = {
    RESULTS: Kind(
        RESULTS,
        _l("Assessment results import"),
        _l(
            "Results from another e-learning system. Columns: 職員番号, 科目コード (for example "
            "dx-literacy), 点数 (0-100), 受験日時 (Japan time unless an offset is given)."
        ),
        plan_results,
        apply_results,
    ),
    TRAINING: Kind(
        TRAINING,
        _l("Training records import"),
        _l(
            "Who attended which training. Columns: 研修名, 区分 (for example データ分析, 生成AI), "
            "実施日, 職員番号. A row repeated in the file is one attendance."
        ),
        plan_training,
        apply_training,
    ),
}


@bp.before_request
@role_required(HR, ADMIN)
def _hr_only():
    return None


def _kind(code: str) -> Kind:
    if code not in KINDS:
        abort(404)
    return KINDS[code]


def _index(kind: Kind, form: ImportUploadForm, *, status: int = 200, **context):
    return render_template(
        "imports/index.html",
        kind=kind,
        form=form,
        history=import_history(db.session, kind.code),
        **context,
    ), status


def _preview(kind: Kind, plan: ImportPlan, file_name: str, confirm=None):
    return render_template(
        "imports/preview.html", kind=kind, plan=plan, file_name=file_name, confirm=confirm
    ), (422 if plan.blocked else 200)


@bp.route("/imports/results", defaults={"code": RESULTS})
@bp.route("/imports/training", defaults={"code": TRAINING})
def index(code):
    return _index(_kind(code), ImportUploadForm())


@bp.route("/imports/results/preview", methods=["POST"], defaults={"code": RESULTS})
@bp.route("/imports/training/preview", methods=["POST"], defaults={"code": TRAINING})
def preview(code):
    kind = _kind(code)
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _index(kind, form, status=422)
    upload = form.file.data
    data = upload.read()
    file_name = upload.filename or kind.code
    plan = kind.plan(db.session, data, skip_invalid=form.skip_invalid.data)
    if plan.fatal:  # the file as a whole cannot be read: nothing to preview
        return _index(kind, form, status=422, problems=plan.problems, file_name=file_name)
    confirm = None
    if not plan.blocked:
        token = hold_file(
            db.session,
            user_id=current_user.id,
            purpose=kind.purpose,
            file_name=file_name,
            data=data,
        )
        db.session.commit()
        # formdata=None: not the upload's own fields (skip_invalid would be "y").
        confirm = ImportConfirmForm(
            formdata=None,
            data={"token": token, "skip_invalid": "1" if plan.skip_invalid else ""},
        )
    return _preview(kind, plan, file_name, confirm)


@bp.route("/imports/results/confirm", methods=["POST"], defaults={"code": RESULTS})
@bp.route("/imports/training/confirm", methods=["POST"], defaults={"code": TRAINING})
def confirm(code):
    kind = _kind(code)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    # Taken once: of several confirms of one upload, exactly one applies it.
    held = take_file(db.session, form.token.data, user_id=current_user.id, purpose=kind.purpose)
    if held is None:
        flash(str(USED_OR_EXPIRED), "error")
        return redirect(url_for("imports.index", code=kind.code))
    # Plan again: the roster or earlier imports may have changed since the preview.
    plan = kind.plan(db.session, held.data, skip_invalid=form.skip_invalid.data == "1")
    if plan.blocked:  # the file is used up: a corrected one is uploaded anew
        db.session.commit()
        return _preview(kind, plan, held.file_name)
    record = kind.apply(
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
            "%(file)s has been imported: %(new)d new, %(changed)d changed, "
            "%(skipped)d rows skipped.",
            file=record.file_name,
            new=record.counts.get("new", 0),
            changed=record.counts.get("changed", 0),
            skipped=record.counts.get("skipped", 0),
        ),
        "success",
    )
    return redirect(url_for("imports.index", code=kind.code))
