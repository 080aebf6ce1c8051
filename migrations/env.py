"""Alembic environment, run through Flask-Migrate (`skillapp db …`).

The database URL and metadata come from the Flask app; batch mode is on so that
SQLite can alter tables.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

database = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    database.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def _render_item(type_, obj, autogen_context):
    # Migrations must not import the application: render its UTC column type
    # as the plain SQLAlchemy type it stores.
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def _options() -> dict:
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("render_as_batch", True)
    options.setdefault("compare_type", True)
    options.setdefault("render_item", _render_item)
    return options


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=database.metadata,
        literal_binds=True,
        **_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty_autogenerate(ctx, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    options = _options()
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    with database.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=database.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
