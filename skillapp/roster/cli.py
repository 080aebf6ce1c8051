import os
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from skillapp.cli import fail
from skillapp.extensions import db
from skillapp.roster import importing
from skillapp.util.dates import today_jst
from skillapp.util.spreadsheets import to_csv


@click.group()
def roster():
    """The staff roster."""


def _as_of(_ctx, _param, value):
    if value is None:
        return today_jst()
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter("use YYYY-MM-DD") from error


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as-of", callback=_as_of, help="effective date, YYYY-MM-DD (default: today, JST)")
@click.option("--dry-run", is_flag=True, help="show what would change; write nothing")
@click.option(
    "--deactivate-missing",
    is_flag=True,
    help="people absent from the file become inactive from the as-of date",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help=(
        "import the valid rows and list the invalid ones (of two rows with the same "
        "職員番号 the first is imported); by default any problem stops the import"
    ),
)
@click.option(
    "--passwords-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="where to write the first passwords of new accounts (CSV, once)",
)
@click.option(
    "--first-passwords",
    type=click.Choice(importing.FIRST_PASSWORD_MODES),
    help=(
        "first passwords of new accounts: random (one each, written to --passwords-out) or "
        "none (set later by an administrator); default: the ROSTER_FIRST_PASSWORDS setting"
    ),
)
@with_appcontext
def import_roster(
    file, as_of, dry_run, deactivate_missing, skip_invalid, passwords_out, first_passwords
):
    """Create or update staff by 職員番号 from a CSV or XLSX roster."""
    from flask import current_app

    mode = first_passwords or current_app.config.get("ROSTER_FIRST_PASSWORDS", "random")
    if mode not in importing.FIRST_PASSWORD_MODES:
        raise click.UsageError(
            f"ROSTER_FIRST_PASSWORDS must be one of {importing.FIRST_PASSWORD_MODES}"
        )
    if passwords_out is None and mode == "random" and not dry_run:
        passwords_out = Path(f"first-passwords-{as_of.isoformat()}-{os.getpid()}.csv")
    if passwords_out is not None:
        _check_writable(passwords_out)
    data = file.read_bytes()
    roster_file = importing.read_roster(
        data, skip_invalid=skip_invalid, deactivate_missing=deactivate_missing
    )
    if roster_file.problems:
        fail([f"{file.name}: {p}" for p in roster_file.problems])
    plan = importing.plan_import(
        db.session,
        roster_file.rows,
        as_of=as_of,
        deactivate_missing=deactivate_missing,
        skipped=roster_file.skipped,
    )
    _print_plan(plan, file.name)
    if dry_run:
        db.session.rollback()
        click.echo("dry run: nothing written")
        return
    result = importing.apply_import(
        db.session,
        plan,
        file_name=file.name,
        data=data,
        deactivate_missing=deactivate_missing,
        issue_passwords=mode == "random",
    )
    if result.passwords:
        # Written before the commit: if it cannot be written, nothing is imported.
        _write_passwords(passwords_out, result.passwords)
    db.session.commit()
    click.echo(f"imported: roster import #{result.record.id} as of {as_of.isoformat()}")
    if result.passwords:
        click.echo(
            f"first passwords for {len(result.passwords)} new accounts: {passwords_out} "
            "(hand them out, then delete the file)"
        )
    elif plan.new and mode == "none":
        click.echo(
            f"{len(plan.new)} new accounts have no password: an administrator sets each one "
            "(skillapp users set-password)"
        )


def _print_plan(plan, file_name):
    counts = plan.counts
    skipped = f", skipped {counts['skipped']}" if plan.skipped is not None else ""
    click.echo(
        f"rows {counts['rows']}: new {counts['new']}, changed {counts['changed']}, "
        f"unchanged {counts['unchanged']}, deactivated {counts['deactivated']}, "
        f"unclassified {counts['unclassified']}{skipped}"
    )
    if plan.absent_columns:
        click.echo(
            f"  kept: no {'/'.join(plan.absent_columns)} column in the file; "
            "the values on record stay"
        )
    if plan.skipped is not None:
        # Every skipped row, not only the first 20: each one needs correcting.
        for problem in plan.skipped.problems:
            click.echo(f"  skipped    {file_name}: {problem}")
    for row in plan.new[:20]:
        click.echo(f"  new        row {row.row}: {row.staff_no} {row.name} {row.job_title}")
    for change in plan.changed[:20]:
        fields = ", ".join(
            f"{f} cleared" if change.before.get(f) and getattr(change.row, f) in ("", None) else f
            for f in change.fields
        )
        click.echo(f"  changed    row {change.row.row}: {change.row.staff_no} ({fields})")
    for person in plan.deactivated[:20]:
        click.echo(f"  deactivate {person['staff_no']} {person['name']}")
    for title, count in plan.unclassified.most_common():
        click.echo(
            f"  warning: job title 「{title}」 maps to no band ({count} people): "
            "shown as 未分類 until mapped"
        )


def _check_writable(path: Path) -> None:
    """Refuse, before any work, a passwords file that could not be written:
    it is never overwritten, and its folder must exist (exit 2)."""
    if path.is_dir():  # click refuses a folder given on the command line itself
        raise click.UsageError(f"--passwords-out {path} is a folder: name a new file")
    if path.exists() or path.is_symlink():
        raise click.UsageError(
            f"--passwords-out {path} already exists: name a new file (it is never overwritten)"
        )
    folder = path.parent
    if not folder.is_dir():
        raise click.UsageError(f"--passwords-out {path}: there is no folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise click.UsageError(f"--passwords-out {path}: the folder {folder} is not writable")


def _write_passwords(path: Path, passwords) -> None:
    data = to_csv(
        ["職員番号", "氏名", "所属", "初回パスワード"],
        [[p.staff_no, p.name, p.department, p.password] for p in passwords],
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


@roster.command("apply-due")
@with_appcontext
def apply_due():
    """Put roster changes dated up to today into force (the app also does this
    once a day by itself; run it from a scheduler right after midnight JST)."""
    from skillapp.roster.services import apply_due_states

    changed = apply_due_states(db.session)
    db.session.commit()
    click.echo(f"{changed} staff records brought up to date")
