from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from skillapp.audit.services import record_event
from skillapp.auth import bp, services
from skillapp.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from skillapp.auth.passwords import verify_password
from skillapp.auth.sessions import end_session, start_session
from skillapp.extensions import db
from skillapp.web import client_ip, safe_next_url


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learning.home"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(
            db.session,
            form.staff_no.data,
            form.password.data,
            ip=client_ip(),
            policy=services.ThrottlePolicy.from_config(current_app.config),
        )
        if result.status == "ok":
            user = result.user
            locale = session.get("locale")
            session.clear()  # a fresh session: no fixation across the login
            if locale:
                # A language chosen on the login page carries over (and is kept
                # for an account that has not chosen one yet).
                session["locale"] = locale
                user.locale = user.locale or locale
            user.session_token = start_session(
                db.session,
                user,
                ip=client_ip(),
                user_agent=request.headers.get("User-Agent", ""),
            )
            session.permanent = True
            login_user(user)
            db.session.commit()
            target = safe_next_url(request.args.get("next"), url_for("learning.home"))
            if user.must_change_password:
                return redirect(url_for("auth.change_password", next=target))
            return redirect(target)
        db.session.commit()
        if result.status == "locked":
            minutes = max(1, -(-result.retry_after // 60))
            flash(
                _(
                    "Logins for this staff number are locked for about %(m)d minutes after "
                    "repeated failures. Try again later, or ask the system administrator to "
                    "unlock it.",
                    m=minutes,
                ),
                "error",
            )
        elif result.status == "throttled":
            flash(
                _(
                    "Too many failed attempts. Wait %(s)d seconds and try again.",
                    s=result.retry_after,
                ),
                "error",
            )
        else:
            flash(_("The staff number or password is not correct."), "error")
        if result.status == "invalid":
            return render_template("auth/login.html", form=form), 401
        response = make_response(render_template("auth/login.html", form=form), 429)
        response.headers["Retry-After"] = str(result.retry_after)
        return response
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    token = current_user.get_id()
    record_event(
        db.session,
        "logout",
        actor_id=current_user.id,
        object_type="user",
        object_id=current_user.id,
        ip=client_ip(),
    )
    end_session(db.session, token)
    db.session.commit()
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if current_user.must_change_password:
        form.current_password.label.text = _("The password you were given")
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is not correct."))
        elif verify_password(current_user.password_hash, form.new_password.data):
            # Read as the current one is (a first password ignores spaces pasted
            # around it), not compared as typed.
            form.new_password.errors.append(_("Choose a password different from the current one."))
        else:
            try:
                services.set_password(
                    db.session,
                    current_user,
                    form.new_password.data,
                    config=current_app.config,
                    by=current_user,
                    keep_session_token=current_user.get_id(),
                    ip=client_ip(),
                )
            except services.AccountError as error:
                form.new_password.errors.extend(str(m) for m in error.messages)
            else:
                db.session.commit()
                flash(_("Your password has been changed."), "success")
                return redirect(safe_next_url(request.args.get("next"), url_for("learning.home")))
    return render_template(
        "auth/change_password.html", form=form, forced=current_user.must_change_password
    )


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language: kept on the account, or in the session before login."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(safe_next_url(request.form.get("next"), url_for("learning.home")))
