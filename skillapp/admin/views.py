"""Administration: accounts, roles and the audit log (role admin)."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from skillapp.admin import bp
from skillapp.audit.models import AuditEvent
from skillapp.auth import services
from skillapp.auth.forms import AccountForm, ResetPasswordForm, RolesForm
from skillapp.auth.models import User
from skillapp.auth.roles import ADMIN
from skillapp.auth.sessions import end_user_sessions
from skillapp.extensions import db
from skillapp.forms import CsrfOnlyForm
from skillapp.roster.models import Staff
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
        services.set_roles(db.session, user, wanted, by=current_user)
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
    from skillapp.audit.services import record_event

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
        services.unlock_logins(db.session, user, by=current_user)
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
        services.set_disabled(db.session, user, disable, by=current_user)
        db.session.commit()
        flash(
            _("The account has been disabled.") if disable else _("The account can log in again."),
            "success",
        )
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/audit")
def audit():
    action = request.args.get("action", "").strip()
    page = page_arg()
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    events = db.session.scalars(
        query.order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    actor_ids = {e.actor_user_id for e in events if e.actor_user_id}
    actors = {}
    if actor_ids:
        actors = dict(
            db.session.execute(
                select(User.id, Staff.staff_no).join(User.staff).where(User.id.in_(actor_ids))
            ).all()
        )
    return render_template(
        "admin/audit.html",
        events=events,
        actions=list(actions),
        action=action,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        actors=actors,
    )
