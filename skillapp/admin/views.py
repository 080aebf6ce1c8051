"""Administration: accounts, roles and the audit log (role admin)."""

import json
from datetime import date, datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select

from skillapp.admin import bp
from skillapp.audit import queries as audit_queries
from skillapp.audit.labels import (
    Names,
    action_label,
    event_details,
    object_label,
    object_text,
)
from skillapp.audit.models import AuditEvent
from skillapp.audit.services import record_event
from skillapp.auth import services
from skillapp.auth.forms import AccountForm, ResetPasswordForm, RolesForm
from skillapp.auth.models import User
from skillapp.auth.roles import ADMIN
from skillapp.auth.sessions import end_user_sessions
from skillapp.extensions import db
from skillapp.forms import CsrfOnlyForm
from skillapp.roster.models import Staff
from skillapp.util.dates import format_jst, page_day, page_moment, today_jst
from skillapp.util.downloads import attach, file_name
from skillapp.util.spreadsheets import csv_chunks
from skillapp.web import client_ip, page_arg, role_required

PAGE_SIZE = 50


@bp.before_request
@role_required(ADMIN)
def _admins_only():
    return None


@bp.route("/users")
def users():
    q = request.args.get("q", "").strip()
    page = page_arg()
    query = select(User).join(User.staff)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Staff.staff_no.like(like), Staff.name.like(like)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Staff.staff_no).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return render_template(
        "admin/users.html",
        users=rows,
        q=q,
        page=page,
        total=total,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = AccountForm()
    if form.validate_on_submit():
        try:
            user = services.create_account(
                db.session,
                form.staff_no.data,
                roles=set(form.roles.data or []),
                password=form.password.data,
                config=current_app.config,
                name=form.name.data or None,
                department=form.department.data,
                job_title=form.job_title.data,
                by=current_user,
                must_change=True,
                ip=client_ip(),
            )
        except services.AccountError as error:
            db.session.rollback()
            getattr(form, error.field).errors.extend(str(m) for m in error.messages)
        else:
            db.session.commit()
            flash(
                _(
                    "The account %(no)s has been created. The person must choose a new "
                    "password at first login.",
                    no=user.staff_no,
                ),
                "success",
            )
            return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/user_new.html", form=form)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<id:user_id>", methods=["GET"])
def user(user_id):
    user = _user_or_404(user_id)
    roles_form = RolesForm(roles=sorted(user.roles - {"learner"}))
    return render_template(
        "admin/user.html",
        locked=services.is_locked(
            db.session, user, services.ThrottlePolicy.from_config(current_app.config)
        ),
        user=user,
        roles_form=roles_form,
        password_form=ResetPasswordForm(),
    )


@bp.route("/users/<id:user_id>/roles", methods=["POST"])
def user_roles(user_id):
    user = _user_or_404(user_id)
    form = RolesForm()
    if form.validate_on_submit():
        wanted = set(form.roles.data or [])
        if user.id == current_user.id and ADMIN not in wanted:
            flash(_("You cannot remove your own administrator role."), "error")
            return redirect(url_for("admin.user", user_id=user.id))
        services.set_roles(db.session, user, wanted, by=current_user, ip=client_ip())
        db.session.commit()
        flash(_("The roles have been saved."), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/users/<id:user_id>/password", methods=["POST"])
def user_password(user_id):
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(
                db.session,
                user,
                form.password.data,
                config=current_app.config,
                by=current_user,
                must_change=form.must_change.data,
                ip=client_ip(),
            )
        except services.AccountError as error:
            db.session.rollback()
            for message in error.messages:
                flash(str(message), "error")
        else:
            db.session.commit()
            flash(_("The password has been set."), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/users/<id:user_id>/sessions/end", methods=["POST"])
def user_end_sessions(user_id):
    user = _user_or_404(user_id)
    count = end_user_sessions(db.session, user.id, "ended_by_admin")
    record_event(
        db.session,
        "sessions_ended",
        actor_id=current_user.id,
        object_type="user",
        object_id=user.id,
        ip=client_ip(),
        count=count,
    )
    db.session.commit()
    flash(_("%(n)d sessions ended.", n=count), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/users/<id:user_id>/unlock", methods=["POST"])
def user_unlock(user_id):
    user = _user_or_404(user_id)
    if CsrfOnlyForm().validate_on_submit():
        services.unlock_logins(db.session, user, by=current_user, ip=client_ip())
        db.session.commit()
        flash(_("Logins for %(no)s are unlocked.", no=user.staff_no), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/users/<id:user_id>/disable", methods=["POST"])
def user_disable(user_id):
    user = _user_or_404(user_id)
    if CsrfOnlyForm().validate_on_submit():
        disable = request.form.get("disable") == "1"
        if user.id == current_user.id and disable:
            flash(_("You cannot disable your own account."), "error")
            return redirect(url_for("admin.user", user_id=user.id))
        services.set_disabled(db.session, user, disable, by=current_user, ip=client_ip())
        db.session.commit()
        flash(
            _("The account has been disabled.") if disable else _("The account can log in again."),
            "success",
        )
    return redirect(url_for("admin.user", user_id=user.id))


_FILTER_MESSAGES = {
    "bad_from": _l("The first day could not be read: write it as 2026-04-01."),
    "bad_to": _l("The last day could not be read: write it as 2026-04-01."),
    "order": _l("The first day was after the last one: they have been swapped."),
}


def _page_date(text: str, is_moment: bool) -> str:
    if is_moment:
        return page_moment(datetime.fromisoformat(text))
    return page_day(date.fromisoformat(text[:10]))


def _names(events) -> Names:
    """What the events' codes stand for, with days written as the pages write them."""
    names = audit_queries.names_for(db.session, events)
    names.dates = _page_date
    return names


def _audit_filter() -> audit_queries.AuditFilter:
    return audit_queries.parse_filter(request.args, _FILTER_MESSAGES)


@bp.route("/audit")
def audit():
    wanted = _audit_filter()
    page = page_arg()
    query = audit_queries.filtered(db.session, wanted)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    events = db.session.scalars(
        query.order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    actions = db.session.scalars(select(AuditEvent.action).distinct())
    object_types = db.session.scalars(
        select(AuditEvent.object_type).distinct().where(AuditEvent.object_type != "")
    )
    return render_template(
        "admin/audit.html",
        events=events,
        names=_names(events),
        actions=sorted(actions, key=action_label),
        object_types=sorted(object_types, key=object_label),
        wanted=wanted,
        args=wanted.as_args(),
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


@bp.route("/audit.csv")
def audit_csv():
    """The log as filtered on the page, every row, as CSV for Excel (UTF-8 with
    BOM, formulas guarded). The download is itself logged."""
    wanted = _audit_filter()
    query = audit_queries.filtered(db.session, wanted)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    record_event(
        db.session,
        "export",
        actor_id=current_user.id,
        object_type="audit_log",
        ip=client_ip(),
        format="csv",
        rows=total,
        **wanted.as_detail(),
    )
    db.session.commit()
    headers = [
        _("When"),
        _("Event"),
        _("By (staff number)"),
        _("By (name)"),
        _("Object"),
        _("Object ID"),
        _("Address"),
        _("Detail"),
        _("Detail as recorded (JSON)"),
    ]

    def rows():
        batch: list[AuditEvent] = []
        for event in audit_queries.newest_first(db.session, query):
            batch.append(event)
            if len(batch) == audit_queries.CHUNK:
                yield from _csv_rows(batch)
                batch = []
        yield from _csv_rows(batch)

    today = today_jst().strftime("%Y%m%d")
    response = Response(
        stream_with_context(csv_chunks(headers, rows())),
        mimetype="text/csv",
        headers={"Content-Type": "text/csv; charset=utf-8"},
    )
    return attach(response, file_name(_("Audit log"), today, ext="csv"), f"audit-log-{today}.csv")


def _csv_rows(events):
    names = audit_queries.names_for(db.session, events)
    for e in events:
        actor = names.users.get(e.actor_user_id) if e.actor_user_id else None
        yield [
            format_jst(e.at, "%Y-%m-%d %H:%M:%S"),
            action_label(e.action),
            actor[0] if actor else "",
            actor[1] if actor else "",
            object_label(e.object_type),
            object_text(e, names),
            e.ip,
            " / ".join(f"{label}: {text}" for label, text in event_details(e, names)),
            json.dumps(e.detail or {}, ensure_ascii=False, sort_keys=True),
        ]
