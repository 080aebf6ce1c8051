"""Request-wide web concerns: login loading, locale, security headers, errors,
the role decorator and helpers shared by every blueprint's views."""

import select
import socket
import time
import unicodedata
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from skillapp.extensions import db, login_manager
from skillapp.util.ids import MAX_ID, parse_id


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def client_ip() -> str:
    return request.remote_addr or ""


# Longer than any page of this site with its query string.
_NEXT_MAX_LENGTH = 2000
# Control (C0, DEL, C1), format (zero-width, bidi) and line/paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def client_gone() -> bool:
    """Whether the client of this request has closed its connection, so that
    long work for it (a PDF of thousands of rows) can stop.

    gunicorn and Werkzeug put the connection in the WSGI environ. By the time a
    view runs the request has been read whole, so a socket that is readable
    but gives no bytes means the other end has closed it (a reset too); bytes
    waiting (a request sent ahead) mean it is still there. This is how nginx
    notices the same, and nginx closes its connection here when its own client
    goes. The socket is peeked without waiting and without taking anything.
    Under another server, or the test client, there is no socket: never gone.
    """
    sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    if sock is None or not hasattr(select, "poll"):
        return False
    try:
        fd = sock.fileno()
        if fd < 0:
            return True  # closed on this side
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        events = poller.poll(0)
        if not events:
            return False
        if events[0][1] & (select.POLLERR | select.POLLNVAL):
            return True
        # The plain socket's recv, also under TLS: only "end of stream" counts.
        return socket.socket.recv(sock, 1, socket.MSG_PEEK) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True  # ECONNRESET and the like


def safe_next_url(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``.

    A path: it starts with one "/" (no scheme, no host, no protocol-relative
    "//"), and holds no backslash and no control or invisible character.
    Browsers read "\\" as "/" and drop tabs and line breaks from a URL, so
    "/\\evil.example" and "/<tab>/evil.example" would leave the site; CR/LF in a
    Location header is refused by Werkzeug (a 500 after the login had been
    committed). Such a target is refused, not repaired."""
    if not target or len(target) > _NEXT_MAX_LENGTH:
        return default
    if "\\" in target or any(unicodedata.category(c) in _INVISIBLE for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id in a URL, 1..2^31 − 1 written the canonical way.

    Anything else does not match, so the URL is a 404 before the view runs: a
    larger number cannot name a row and would overflow the database driver
    (a 500 from SQLite beyond 2^63, from PostgreSQL beyond 2^31)."""

    regex = r"[1-9][0-9]{0,9}"

    def __init__(self, map, min=1, max=MAX_ID) -> None:  # werkzeug's parameter names
        super().__init__(map, min=min, max=max)


def id_arg(name: str) -> int | None:
    """``?name=`` as a row id: None when absent or empty (no filter); 404 when
    it cannot name a row (not a canonical number, or beyond 2^31 − 1)."""
    raw = request.args.get(name, "")
    if raw == "":
        return None
    value = parse_id(raw)
    if value is None:
        abort(404)
    return value


def page_arg(name: str = "page") -> int:
    """``?page=``: 1 when absent or empty; 404 for anything but a page number
    (one beyond 2^31 − 1 would overflow the database's OFFSET)."""
    return id_arg(name) or 1


def role_required(*roles: str):
    """The current user must hold one of ``roles`` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _load_user(token: str):
    from skillapp.auth.sessions import resume_session

    cfg = current_app.config
    user = resume_session(
        db.session,
        token,
        idle_timeout=cfg["SESSION_IDLE_TIMEOUT"],
        absolute_timeout=cfg["SESSION_ABSOLUTE_TIMEOUT"],
    )
    # Ending a timed-out session or touching last_seen_at is written at once,
    # independent of the view's own transaction.
    db.session.commit()
    return user


def _wants_json() -> bool:
    return (
        request.is_json
        or request.path.startswith("/api/")
        or request.accept_mimetypes.best == "application/json"
    )


def _unauthorized():
    """Pages send the visitor to the login form; scripts and the API get 401."""
    if _wants_json():
        return jsonify(
            ok=False,
            error="login_required",
            message=str(_l("Your session has ended. Log in again.")),
        ), 401
    flash(login_manager.login_message, "info")
    return redirect(url_for("auth.login", next=_page_to_return_to()))


def _page_to_return_to() -> str | None:
    """Where the login form sends the user back: this page, or for a form sent
    after the session ended (a POST cannot be repeated as a GET) the page of
    this site that the form was on."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


# Pages a user who must change their password may still reach.
_PASSWORD_CHANGE_EXEMPT = {
    "auth.change_password",
    "auth.logout",
    "static",
    "font",
    "auth.set_language",
}


def _force_password_change():
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _PASSWORD_CHANGE_EXEMPT
    ):
        return redirect(url_for("auth.change_password"))
    return None


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if response.headers.get("Content-Disposition", "").startswith("attachment"):
        # Every file the app hands out names people or is someone's own (a
        # certificate, an export, a list of first passwords): no copy kept by the
        # browser or a proxy. send_file's "no-cache" would let them store it.
        response.headers["Cache-Control"] = "no-store"
    elif current_user and current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


# The UI's fallback Japanese font, for a machine with none of its own (a thin
# client on the closed network): the PDFs' BIZ UDGothic, served from the package.
_WEB_FONTS = {"BIZUDGothic-Regular.ttf", "BIZUDGothic-Bold.ttf"}


def _font(name: str):
    from flask import abort, send_from_directory

    from skillapp.pdf.fonts import FONT_DIR

    if name not in _WEB_FONTS:
        abort(404)
    response = send_from_directory(FONT_DIR, name, mimetype="font/ttf", max_age=30 * 86400)
    response.headers["Cache-Control"] = "public, max-age=2592000, immutable"
    return response


def _render_error(code: int, title, message):
    return render_template("errors/error.html", code=code, title=title, message=message), code


# Pages that count results. An attempt whose time ran out with nobody there to
# submit it is scored first, as it stood at its deadline, so it counts like any
# other (the same happens when its owner opens it again).
_COUNTING_BLUEPRINTS = frozenset({"metrics", "metrics_api", "assignments", "itemstats"})


def _close_expired_attempts():
    if request.blueprint in _COUNTING_BLUEPRINTS and current_user.is_authenticated:
        from skillapp.assessment.services import close_expired_attempts

        if close_expired_attempts(db.session):
            db.session.commit()


def _apply_due_roster_states():
    """Once a day per process: roster changes dated in advance (the April
    roster loaded in March) come into force on their day."""
    from skillapp.util.dates import today_jst

    today = today_jst()
    if current_app.extensions.get("skillapp_due_states_day") == today:
        return
    from skillapp.roster.services import apply_due_states

    apply_due_states(db.session, today)
    db.session.commit()
    current_app.extensions["skillapp_due_states_day"] = today


def _refuse_nul():
    """NUL cannot be stored in, or compared by, PostgreSQL (its driver raises):
    a URL holding one names nothing (404), and a query string or form field
    holding one is refused (400), before any view looks anything up with it."""
    if "\x00" in request.path:
        abort(404)
    fields = [*request.args.items(multi=True)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += request.form.items(multi=True)
    if any("\x00" in key or "\x00" in value for key, value in fields):
        abort(400)


# Expired pending files (a list of first passwords among them) are deleted by
# the requests too, at most this long after they expire, per process; the
# check is one read of a table that holds only the last hour's files.
FILE_PURGE_INTERVAL = timedelta(minutes=5)
FILES_PURGED_AT = "skillapp_files_purged_at"


def _purge_expired_files():
    now = time.monotonic()
    last = current_app.extensions.get(FILES_PURGED_AT)
    if last is not None and now - last < FILE_PURGE_INTERVAL.total_seconds():
        return
    from skillapp.uploads.services import purge_expired_files

    if purge_expired_files(db.session):
        db.session.commit()
    current_app.extensions[FILES_PURGED_AT] = now


def init_app(app: Flask) -> None:
    # Before any blueprint adds its rules: every id in a URL is <id:…>.
    app.url_map.converters["id"] = IdConverter
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1, x_host=0
        )
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.needs_refresh_message = _l("Please log in again.")
    login_manager.session_protection = "basic"
    app.before_request(_refuse_nul)
    # First to use the database, so that someone who left today is already logged out.
    app.before_request(_apply_due_roster_states)
    app.before_request(_purge_expired_files)
    app.before_request(_force_password_change)
    app.before_request(_close_expired_attempts)
    app.after_request(_security_headers)
    app.add_url_rule("/fonts/<name>", "font", _font)

    @app.errorhandler(400)
    def bad_request(e):
        if isinstance(e, SecurityError):
            # A Host outside TRUSTED_HOSTS: no URL of this site can be built for
            # it, so no page either (it would link to the stylesheet).
            return (
                "400 Bad Request: this host is not served here.\n",
                400,
                {"Content-Type": "text/plain; charset=utf-8"},
            )
        return _render_error(400, _l("Bad request"), _l("The request could not be understood."))

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return _render_error(
            400,
            _l("The form has expired"),
            _l(
                "For your security the form could not be accepted. Go back, reload the page "
                "and try again."
            ),
        )

    @app.errorhandler(403)
    def forbidden(_e):
        return _render_error(403, _l("Access denied"), _l("You do not have access to this page."))

    @app.errorhandler(404)
    def not_found(_e):
        return _render_error(
            404, _l("Page not found"), _l("The page you asked for does not exist.")
        )

    @app.errorhandler(413)
    def too_large(_e):
        return _render_error(413, _l("File too large"), _l("The file is larger than allowed."))

    @app.errorhandler(500)
    def server_error(_e):
        db.session.rollback()
        return _render_error(
            500, _l("Something went wrong"), _l("Nothing was saved. Please try again.")
        )

    from skillapp.auth.roles import ADMIN, AUTHOR, HR, ROLE_LABELS
    from skillapp.learning.models import CATEGORY_LABELS
    from skillapp.roster.bands import band_label

    app.jinja_env.filters["role_label"] = lambda code: str(ROLE_LABELS.get(code, code))
    app.jinja_env.globals["band_label"] = band_label
    from skillapp.audit.labels import (
        action_label,
        detail_label,
        detail_value,
        event_details,
        object_label,
        object_text,
    )

    app.jinja_env.globals["action_label"] = action_label
    app.jinja_env.globals["event_details"] = event_details
    app.jinja_env.globals["object_text"] = object_text
    app.jinja_env.globals["object_label"] = object_label
    app.jinja_env.globals["detail_label"] = detail_label
    app.jinja_env.globals["detail_value"] = detail_value
    app.jinja_env.globals["category_label"] = lambda c: str(CATEGORY_LABELS.get(c, c))
    from skillapp.authoring.messages import change_label, problem_text

    app.jinja_env.filters["problem_text"] = problem_text
    app.jinja_env.filters["change_label"] = change_label

    @app.context_processor
    def inject_globals():

        return {
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            # Read from the city profile only when a page shows it.
            "city_name": LazyString(lambda: city_profile().name),
            "ROLE_ADMIN": ADMIN,
            "ROLE_HR": HR,
            "ROLE_AUTHOR": AUTHOR,
        }

    from skillapp.city.views import city_profile, fill_lesson, fill_text

    app.jinja_env.filters["placeheld"] = fill_text
    app.jinja_env.filters["lesson_html"] = fill_lesson

    from skillapp.util import dates

    app.jinja_env.filters["duration"] = dates.format_minutes
    app.jinja_env.filters["jst"] = lambda dt, fmt="%Y-%m-%d %H:%M": (
        dates.format_jst(dt, fmt) if dt else ""
    )
    app.jinja_env.filters["wareki"] = dates.format_wareki
    if app.config["DATE_STYLE"] not in dates.DATE_STYLES:
        raise RuntimeError(f"DATE_STYLE must be one of {dates.DATE_STYLES}")
    # Days and moments in the city's style (DATE_STYLE), one style on every page.
    app.jinja_env.filters["day"] = lambda day: dates.page_day(day) if day else ""
    app.jinja_env.filters["moment"] = lambda moment, seconds=False: (
        dates.page_moment(moment, seconds=seconds) if moment else ""
    )
