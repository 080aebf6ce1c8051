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
    for slug in report.drafts_kept:
        click.echo(
            f"warning: {slug} has an unpublished draft in the editor, started from an older "
            "version; the draft was kept (publishing it would replace this version)",
            err=True,
        )
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


@content.command("export")
@click.argument("slug")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write into (e.g. content/modules): the module goes to OUTPUT/SLUG/.",
)
@with_appcontext
def export(slug: str, output: Path):
    """Write module SLUG (its latest published version) as a module folder OUTPUT/SLUG/.

    Files an earlier export wrote there are replaced; exporting, importing and
    exporting again gives identical files.
    """
    from skillapp.authoring.export import write_module_dir
    from skillapp.authoring.services import module_for_editing, published_spec

    module = module_for_editing(db.session, slug)
    spec = published_spec(db.session, module) if module is not None else None
    if spec is None:
        fail([f"{slug}: no published module with this slug"])
    try:
        folder = write_module_dir(spec, output)
    except (FileExistsError, OSError) as error:
        fail([f"{output / slug}: {error}"])
    record_event(
        db.session,
        "content_export",
        object_type="module",
        object_id=slug,
        version=module.current_version.number,
        via="cli",
        path=str(folder),
    )
    db.session.commit()
    click.echo(f"exported: {slug} (v{module.current_version.number}) to {folder}")


@content.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@with_appcontext
def import_(path: Path):
    """Load one module from PATH: a module folder (its name is the slug) or a .zip of one.

    Validated exactly like content sync: with any problem every one is printed
    and nothing is written. A changed module becomes a new version.
    """
    from skillapp.authoring.export import read_zip
    from skillapp.authoring.loader import LoadResult, load_module_dir, load_module_files
    from skillapp.authoring.services import import_loaded

    if path.is_dir():
        loaded = load_module_dir(path)
    else:
        slug, files, problems = read_zip(path.read_bytes(), str(path))
        loaded = (
            LoadResult(problems=problems)
            if problems
            else load_module_files(slug, files, label=f"{path}:{slug}")
        )
    report = import_loaded(db.session, loaded, user_id=None, source=path.name, via="cli")
    if report.problems:
        db.session.rollback()
        fail(report.problems)
    db.session.commit()
    [spec] = loaded.modules
    if report.changed:
        click.echo(f"imported: {spec.slug} (v{report.versions[spec.slug]})")
    else:
        click.echo(f"unchanged: {spec.slug}")
    for slug in report.drafts_kept:
        click.echo(
            f"warning: {slug} has an unpublished draft in the editor, started from an older "
            "version; the draft was kept",
            err=True,
        )
