"""Content: the module format on disk, validation, sync into versions."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from skillapp.audit.services import record_event
from skillapp.authoring.sync import sync_content_dir
from skillapp.cli import fail
from skillapp.extensions import db


@click.group()
def content():
    """Modules and assessments (content/modules)."""


@content.command("sync")
@click.argument(
    "path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@with_appcontext
def sync(path: Path | None):
    """Load or refresh every module under PATH (default: the configured CONTENT_DIR).

    A changed module becomes a new version; an unchanged one is left alone. With
    any problem, every one is printed as file:line: message and nothing is written.
    """
    path = path or Path(current_app.config["CONTENT_DIR"])
    report = sync_content_dir(db.session, path)
    if report.problems:
        db.session.rollback()
        fail(report.problems)
    if report.changed:
        record_event(
            db.session,
            "content_sync",
            object_type="content",
            path=str(path),
            created=report.created,
            updated=report.updated,
            versions=report.versions,
        )
    db.session.commit()
    click.echo(_line("created", report.created, report.versions))
    click.echo(_line("new version", report.updated, report.versions))
    click.echo(_line("unchanged", report.unchanged))


def _line(label: str, slugs: list[str], versions: dict[str, int] | None = None) -> str:
    if not slugs:
        return f"{label}: 0"
    names = [f"{slug} (v{versions[slug]})" if versions else slug for slug in slugs]
    return f"{label}: {len(slugs)}: {', '.join(names)}"
