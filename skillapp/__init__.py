"""skillapp: DX skills learning and HR-development tracking for a city hall."""

import secrets
from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: config.py → instance/config.py → SKILLAPP_* env (→ test_config)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object("skillapp.config")
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("SKILLAPP")
    else:
        app.config.from_prefixed_env("SKILLAPP")
        app.config.update(test_config)

    _configure_secret_key(app, instance)
    url = app.config.get("DATABASE_URL") or f"sqlite:///{instance / 'skillapp.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    # A pooled connection is tested before use and replaced if the database
    # dropped it (a PostgreSQL restart or failover): no 500 for the next requests.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_pre_ping": True,
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
    }
    if app.config.get("CONTENT_DIR") is None:
        app.config["CONTENT_DIR"] = str(PROJECT_ROOT / "content" / "modules")
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_ABSOLUTE_TIMEOUT"]
    # A form's CSRF token lasts as long as the login session it belongs to, so a
    # quiz left open for its whole time limit can still be submitted.
    app.config.setdefault(
        "WTF_CSRF_TIME_LIMIT", int(app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds())
    )

    from skillapp import web
    from skillapp.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, timezone_selector=lambda: "Asia/Tokyo")

    _import_models()
    with app.app_context():
        from skillapp.db import configure_engine

        configure_engine(db.engine)

    web.init_app(app)
    _register_blueprints(app)

    from skillapp.cli import register_commands

    register_commands(app)
    return app


def _configure_secret_key(app: Flask, instance: Path) -> None:
    if app.config.get("SECRET_KEY"):
        return
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _import_models() -> None:
    """Import every models module so the metadata (and Alembic) sees all tables."""
    from skillapp.assessment import models as _assessment  # noqa: F401
    from skillapp.assignments import models as _assignments  # noqa: F401
    from skillapp.audit import models as _audit  # noqa: F401
    from skillapp.auth import models as _auth  # noqa: F401
    from skillapp.authoring import models as _authoring  # noqa: F401
    from skillapp.certificates import models as _certificates  # noqa: F401
    from skillapp.city import models as _city  # noqa: F401
    from skillapp.imports import models as _imports  # noqa: F401
    from skillapp.learning import models as _learning  # noqa: F401
    from skillapp.metrics import models as _metrics  # noqa: F401
    from skillapp.roster import models as _roster  # noqa: F401
    from skillapp.surveys import models as _surveys  # noqa: F401
    from skillapp.training import models as _training  # noqa: F401
    from skillapp.uploads import models as _uploads  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    # Views are imported here, not in each package's __init__, so that models
    # of one feature can import another's without circular imports.
    from skillapp.admin import bp as admin_bp
    from skillapp.admin import views as _admin_views  # noqa: F401
    from skillapp.assessment import bp as assessment_bp
    from skillapp.assessment import rules_views as _assessment_rules_views  # noqa: F401
    from skillapp.assessment import views as _assessment_views  # noqa: F401
    from skillapp.assignments import bp as assignments_bp
    from skillapp.assignments import views as _assignments_views  # noqa: F401
    from skillapp.auth import bp as auth_bp
    from skillapp.auth import views as _auth_views  # noqa: F401
    from skillapp.authoring import bp as authoring_bp
    from skillapp.authoring import views as _authoring_views  # noqa: F401
    from skillapp.certificates import bp as certificates_bp
    from skillapp.certificates import views as _certificates_views  # noqa: F401
    from skillapp.city import bp as city_bp
    from skillapp.city import views as _city_views  # noqa: F401
    from skillapp.imports import bp as imports_bp
    from skillapp.imports import views as _imports_views  # noqa: F401
    from skillapp.itemstats import bp as itemstats_bp
    from skillapp.itemstats import views as _itemstats_views  # noqa: F401
    from skillapp.learning import bp as learning_bp
    from skillapp.learning import views as _learning_views  # noqa: F401
    from skillapp.metrics import api as _metrics_api_views  # noqa: F401
    from skillapp.metrics import api_bp as metrics_api
    from skillapp.metrics import bp as metrics_bp
    from skillapp.metrics import display as _metrics_display  # noqa: F401
    from skillapp.metrics import indicator_views as _metrics_indicator_views  # noqa: F401
    from skillapp.metrics import report_views as _metrics_report_views  # noqa: F401
    from skillapp.metrics import views as _metrics_views  # noqa: F401
    from skillapp.roster import bp as roster_bp
    from skillapp.roster import views as _roster_views  # noqa: F401
    from skillapp.surveys import bp as surveys_bp
    from skillapp.surveys import views as _surveys_views  # noqa: F401

    app.register_blueprint(auth_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(assessment_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(assignments_bp)
    app.register_blueprint(itemstats_bp, url_prefix="/authoring/item-stats")
    app.register_blueprint(authoring_bp, url_prefix="/authoring")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(city_bp, url_prefix="/admin/city")
    app.register_blueprint(roster_bp, url_prefix="/hr")
    app.register_blueprint(metrics_bp, url_prefix="/hr")
    app.register_blueprint(imports_bp, url_prefix="/hr")
    app.register_blueprint(surveys_bp, url_prefix="/hr")
    app.register_blueprint(metrics_api)
