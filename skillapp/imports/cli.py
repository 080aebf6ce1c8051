"""``skillapp results|training|survey import``: the same plan and writes as the
browser, printed for scheduled jobs."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from skillapp.cli import fail
from skillapp.extensions import db
from skillapp.imports.services import ImportPlan

COUNT_LABELS = {
    "rows": "rows",
    "new": "new",
    "changed": "changed",
    "unchanged": "unchanged",
    "duplicates": "repeated rows",
    "sessions_new": "new training sessions",
    "replaced": "replaced responses",
    "unmapped": "unmapped grade answers",
}


def print_plan(plan: ImportPlan) -> None:
    counts = ", ".join(f"{COUNT_LABELS.get(k, k)} {v}" for k, v in plan.counts.items())
    click.echo(counts)
    for title, (headers, rows) in plan.samples.items():
        if rows:
            click.echo(f"  {title}: {' | '.join(str(h) for h in headers)}")
            for row in rows[:20]:
                click.echo("    " + " | ".join(str(v) for v in row))
    for warning in plan.warnings:
        click.echo(f"  warning: {warning}")


def run_import(file: Path, data: bytes, plan: ImportPlan, apply, *, dry_run: bool) -> None:
    """Print the plan; stop with every problem (exit 1), or write it all."""
    if plan.blocked:
        fail([f"{file.name}: {p}" for p in plan.problems])
    print_plan(plan)
    if plan.problems:
        for problem in plan.problems:
            click.echo(f"  skipped: {problem}")
        click.echo(f"skipped {plan.skipped_rows} invalid rows")
    if dry_run:
        db.session.rollback()
        click.echo("dry run: nothing written")
        return
    record = apply(db.session, plan, file_name=file.name, data=data)
    db.session.commit()
    click.echo(f"imported: {plan.kind} import #{record.id}")


def file_argument(command):
    return click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(
        command
    )


dry_run_option = click.option(
    "--dry-run", is_flag=True, help="show what would change; write nothing"
)
skip_option = click.option(
    "--skip-invalid",
    is_flag=True,
    help="import the valid rows and list the invalid ones (default: all or nothing)",
)


@click.group()
def results():
    """Assessment results from another e-learning system."""


@results.command("import")
@file_argument
@dry_run_option
@skip_option
@with_appcontext
def import_results(file: Path, dry_run: bool, skip_invalid: bool):
    """Import results: 職員番号, 科目コード, 点数, 受験日時 (CSV or XLSX)."""
    from skillapp.assessment.importing import apply_results, plan_results

    data = file.read_bytes()
    plan = plan_results(db.session, data, skip_invalid=skip_invalid)
    run_import(file, data, plan, apply_results, dry_run=dry_run)


@click.group()
def training():
    """Training attendance records."""


@training.command("import")
@file_argument
@dry_run_option
@skip_option
@with_appcontext
def import_training(file: Path, dry_run: bool, skip_invalid: bool):
    """Import attendance: 研修名, 区分, 実施日, 職員番号 (CSV or XLSX)."""
    from skillapp.training.importing import apply_training, plan_training

    data = file.read_bytes()
    plan = plan_training(db.session, data, skip_invalid=skip_invalid)
    run_import(file, data, plan, apply_training, dry_run=dry_run)


@click.group()
def survey():
    """The annual staff survey."""


@survey.command("import")
@file_argument
@click.option("--fiscal-year", type=click.IntRange(2000, 2100), required=True)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="the column mapping (MAP.yaml)",
)
@dry_run_option
@skip_option
@with_appcontext
def import_survey(
    file: Path, fiscal_year: int, mapping_file: Path, dry_run: bool, skip_invalid: bool
):
    """Import a year's survey; it replaces that year's earlier import."""
    from skillapp.surveys.importing import apply_survey, load_mapping_yaml, plan_survey

    try:
        text = mapping_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail([f"{mapping_file.name}: UTF-8 で保存してください。"])
    mapping, problems = load_mapping_yaml(text)
    if problems:
        fail([f"{mapping_file.name}: {p}" for p in problems])
    data = file.read_bytes()
    plan = plan_survey(
        db.session, data, fiscal_year=fiscal_year, mapping=mapping, skip_invalid=skip_invalid
    )
    if plan.payload is not None and plan.payload.unchanged and not plan.problems:
        print_plan(plan)
        click.echo("unchanged: this file and mapping are already the year's survey")
        return
    run_import(file, data, plan, apply_survey, dry_run=dry_run)
