"""HR's roster pages: upload → preview → confirm, import history, the title map."""

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from skillapp.audit.models import AuditEvent
from skillapp.audit.services import record_event
from skillapp.auth.models import User
from skillapp.auth.roles import ADMIN, HR
from skillapp.extensions import db
from skillapp.forms import CsrfOnlyForm
from skillapp.roster import bp, importing, services
from skillapp.roster.bands import BAND_CODES, BAND_LABELS
from skillapp.roster.forms import RosterConfirmForm, RosterUploadForm
from skillapp.roster.models import Department, RosterImport, Staff
from skillapp.uploads.services import USED_OR_EXPIRED, hold_file, take_file
from skillapp.util.dates import page_moment, today_jst
from skillapp.util.downloads import attach
from skillapp.util.spreadsheets import to_csv
from skillapp.web import client_ip, id_arg, role_required

FIELD_LABELS = {
    "name": _l("Name"),
    "department": _l("Department"),
    "job_title": _l("Job title"),
    "employment_type": _l("Employment type"),
    "email": _l("Email"),
    "is_active": _l("In post"),
}
UPLOAD = "roster_upload"
PASSWORDS = "first_passwords"


@bp.before_request
@role_required(HR, ADMIN)
def _hr_only():
    return None


def _history(limit: int = 50) -> list[tuple[RosterImport, str | None, str | None]]:
    """The latest roster imports with who made them (None: the command line)."""
    return db.session.execute(
        select(RosterImport, Staff.name, Staff.staff_no)
        .outerjoin(User, User.id == RosterImport.imported_by_id)
        .outerjoin(Staff, Staff.id == User.staff_id)
        .order_by(RosterImport.id.desc())
        .limit(limit)
    ).all()


def first_passwords_mode() -> str:
    """How new accounts get their first password (config ROSTER_FIRST_PASSWORDS)."""
    mode = current_app.config.get("ROSTER_FIRST_PASSWORDS", "random")
    if mode not in importing.FIRST_PASSWORD_MODES:
        raise RuntimeError(
            f"ROSTER_FIRST_PASSWORDS must be one of {importing.FIRST_PASSWORD_MODES}"
        )
    return mode


@bp.route("/roster")
def index():
    imports = _history()
    form = RosterUploadForm(data={"as_of": today_jst()})
    return render_template("roster/index.html", form=form, imports=imports)


@bp.route("/roster/preview", methods=["POST"])
def preview():
    form = RosterUploadForm()
    imports = _history()
    if not form.validate_on_submit():
        return render_template("roster/index.html", form=form, imports=imports), 422
    upload = form.file.data
    data = upload.read()
    roster_file = importing.read_roster(
        data,
        skip_invalid=form.skip_invalid.data,
        deactivate_missing=form.deactivate_missing.data,
    )
    if roster_file.problems:
        return render_template(
            "roster/index.html",
            form=form,
            imports=imports,
            problems=roster_file.problems,
            file_name=upload.filename,
        ), 422
    as_of = form.as_of.data or today_jst()
    plan = importing.plan_import(
        db.session,
        roster_file.rows,
        as_of=as_of,
        deactivate_missing=form.deactivate_missing.data,
        skipped=roster_file.skipped,
    )
    token = hold_file(
        db.session,
        user_id=current_user.id,
        purpose=UPLOAD,
        file_name=upload.filename or "roster",
        data=data,
    )
    db.session.commit()
    # formdata=None: the upload's own fields (deactivate_missing="y", …) must not
    # stand in for the values given here.
    confirm = RosterConfirmForm(
        formdata=None,
        data={
            "token": token,
            "as_of": as_of.isoformat(),
            "deactivate_missing": "1" if form.deactivate_missing.data else "",
            "skip_invalid": "1" if form.skip_invalid.data else "",
        },
    )
    return render_template(
        "roster/preview.html",
        plan=plan,
        confirm=confirm,
        file_name=upload.filename,
        band_labels=BAND_LABELS,
        field_label=lambda code: str(FIELD_LABELS.get(code, code)),
    )


@bp.route("/roster/confirm", methods=["POST"])
def confirm():
    form = RosterConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    # Taken once: of several confirms of one upload, exactly one applies it.
    held = take_file(db.session, form.token.data, user_id=current_user.id, purpose=UPLOAD)
    if held is None:
        flash(str(USED_OR_EXPIRED), "error")
        return redirect(url_for("roster.index"))
    try:
        as_of = date.fromisoformat(form.as_of.data)
    except ValueError:
        abort(400)
    deactivate = form.deactivate_missing.data == "1"
    roster_file = importing.read_roster(
        held.data, skip_invalid=form.skip_invalid.data == "1", deactivate_missing=deactivate
    )
    if roster_file.problems:  # cannot happen for a file that passed the preview
        abort(400)
    plan = importing.plan_import(
        db.session,
        roster_file.rows,
        as_of=as_of,
        deactivate_missing=deactivate,
        skipped=roster_file.skipped,
    )
    result = importing.apply_import(
        db.session,
        plan,
        file_name=held.file_name,
        data=held.data,
        by_user_id=current_user.id,
        deactivate_missing=deactivate,
        issue_passwords=first_passwords_mode() == "random",
        ip=client_ip(),
    )
    download = None
    if result.passwords:
        data = to_csv(
            ["職員番号", "氏名", "所属", "初回パスワード"],
            [[p.staff_no, p.name, p.department, p.password] for p in result.passwords],
        )
        download = hold_file(
            db.session,
            user_id=current_user.id,
            purpose=PASSWORDS,
            file_name=passwords_file_name(result.record.id),
            data=data,
        )
    db.session.commit()
    flash(_("The roster has been imported."), "success")
    return redirect(url_for("roster.import_detail", import_id=result.record.id, passwords=download))


@bp.route("/roster/imports/<id:import_id>")
def import_detail(import_id):
    record = db.session.get(RosterImport, import_id)
    if record is None:
        abort(404)
    by = db.session.execute(
        select(Staff.name, Staff.staff_no)
        .join(User, User.staff_id == Staff.id)
        .where(User.id == record.imported_by_id)
    ).first()
    return render_template(
        "roster/import.html",
        record=record,
        by=by,
        passwords=request.args.get("passwords"),
        password_mode=first_passwords_mode(),
        downloaded=passwords_downloaded(record.id),
    )


def passwords_file_name(import_id: int) -> str:
    return f"初回パスワード_職員名簿の取込{import_id}.csv"


@dataclass
class Downloaded:
    at: datetime
    name: str | None
    staff_no: str | None


def passwords_downloaded(import_id: int) -> Downloaded | None:
    """When and by whom the import's list of first passwords was downloaded."""
    found = db.session.execute(
        select(AuditEvent.at, Staff.name, Staff.staff_no)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .outerjoin(Staff, Staff.id == User.staff_id)
        .where(
            AuditEvent.action == "export",
            AuditEvent.object_type == "first_passwords",
            AuditEvent.object_id.in_(
                [passwords_file_name(import_id), f"first-passwords-{import_id}.csv"]
            ),
        )
        .order_by(AuditEvent.id)
        .limit(1)
    ).first()
    return Downloaded(*found) if found else None


@bp.route("/roster/passwords/<token>", methods=["POST"])
def download_passwords(token):
    """The first passwords of new accounts: downloadable once, by whoever
    imported. A second click (or anyone else's) is told when and by whom the
    list was downloaded, or that it expired unread."""
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    held = take_file(db.session, token, user_id=current_user.id, purpose=PASSWORDS)
    import_id = id_arg("import")
    if held is None:
        return _passwords_gone(import_id)
    data, name = held.data, held.file_name
    record_event(
        db.session,
        "export",
        actor_id=current_user.id,
        object_type="first_passwords",
        object_id=name,
        ip=client_ip(),
    )
    db.session.commit()
    response = send_file(BytesIO(data), mimetype="text/csv", as_attachment=True, download_name=name)
    return attach(response, name, f"first-passwords-{import_id or ''}.csv")


def _passwords_gone(import_id: int | None):
    record = db.session.get(RosterImport, import_id) if import_id else None
    if record is None:
        abort(404)
    downloaded = passwords_downloaded(record.id)
    if downloaded:
        flash(
            _(
                "The list of first passwords has already been downloaded, on %(when)s by "
                "%(name)s (%(no)s). It can be downloaded only once: ask them for the file, or "
                "have an administrator set a new password for anyone who needs one.",
                when=page_moment(downloaded.at),
                name=downloaded.name or _("command line"),
                no=downloaded.staff_no or "—",
            ),
            "warning",
        )
    else:
        flash(
            _(
                "The list of first passwords was not downloaded within 1 hour of the import "
                "and has been deleted. An administrator can set a first password for each "
                "new person (Administration › Accounts)."
            ),
            "warning",
        )
    return redirect(url_for("roster.import_detail", import_id=record.id), code=303)


@bp.route("/titles", methods=["GET", "POST"])
def titles():
    form = CsrfOnlyForm()
    if form.validate_on_submit():
        changed = 0
        for key, value in request.form.items():
            if not key.startswith("band:"):
                continue
            title = key[5:]
            band = value or None
            if band is not None and band not in BAND_CODES:
                abort(400)
            changed += services.set_title_band(
                db.session, title, band, by_user_id=current_user.id, ip=client_ip()
            )
        db.session.commit()
        flash(
            _("The job-title map has been saved; %(n)d staff records were re-derived.", n=changed),
            "success",
        )
        return redirect(url_for("roster.titles"))
    usage = services.title_usage(db.session)
    unclassified = [(t, n) for t, band, n in usage if band is None]
    return render_template(
        "roster/titles.html",
        form=form,
        usage=usage,
        unclassified=unclassified,
        band_labels=BAND_LABELS,
    )


def _direction() -> int:
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    return -1 if direction == "up" else 1


@bp.route("/titles/move", methods=["POST"])
def move_title():
    """One job title a place up or down within its grade."""
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    step = _direction()
    title = request.form.get("title", "")
    try:
        moved = services.move_title(
            db.session, title, step, by_user_id=current_user.id, ip=client_ip()
        )
    except LookupError:
        abort(404)
    db.session.commit()
    if moved:
        flash(_("The order has been saved."), "success")
    return redirect(url_for("roster.titles"))


@bp.route("/departments")
def departments():
    """The departments in the city's order, which HR can rearrange."""
    counts = dict(
        db.session.execute(
            select(Staff.department_id, func.count())
            .where(Staff.is_active)
            .group_by(Staff.department_id)
        ).all()
    )
    rows = []
    ordered = services.ordered_departments(db.session)
    for department in ordered:
        siblings = [d for d in ordered if d.parent_id == department.parent_id]
        rows.append(
            (
                department,
                counts.get(department.id, 0),
                siblings[0] is department,
                siblings[-1] is department,
            )
        )
    return render_template("roster/departments.html", rows=rows, form=CsrfOnlyForm())


@bp.route("/departments/<id:department_id>/move", methods=["POST"])
def move_department(department_id):
    """One department a place up or down among the 部, or among its 部's 課."""
    department = db.session.get(Department, department_id)
    if department is None:
        abort(404)
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    step = _direction()
    if services.move_department(
        db.session, department, step, by_user_id=current_user.id, ip=client_ip()
    ):
        flash(_("The order has been saved."), "success")
    db.session.commit()
    return redirect(url_for("roster.departments", _anchor=f"department-{department.id}"))
