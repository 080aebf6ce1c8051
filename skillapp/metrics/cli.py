import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from skillapp.city.services import current_profile
from skillapp.extensions import db


@click.group()
def metrics():
    """The HR-development indicators."""


@metrics.command("show")
@click.option("--fiscal-year", type=click.IntRange(2000, 2100), required=True)
@click.option("--format", "output", type=click.Choice(["table", "json", "csv"]), default="table")
@with_appcontext
def show(fiscal_year: int, output: str):
    """Each indicator by band against its target for one fiscal year."""
    from skillapp.metrics.indicators import compute_indicators, figures_json
    from skillapp.metrics.reports import indicator_table
    from skillapp.util.spreadsheets import to_csv

    _close_expired_attempts()
    figures = compute_indicators(db.session, fiscal_year)
    if output == "json":
        click.echo(json.dumps(figures_json(figures), ensure_ascii=False, indent=2))
        return
    headers, rows = indicator_table(figures)
    if output == "csv":
        click.echo(to_csv(headers, rows).decode("utf-8-sig"), nl=False)
        return
    click.echo(f"{figures.fiscal_year}年度  名簿基準日 {figures.as_of.isoformat()}")
    widths = [
        max(_width(str(h)), *(_width(_cell(r[i])) for r in rows)) for i, h in enumerate(headers)
    ]
    click.echo("  ".join(_pad(str(h), w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        click.echo("  ".join(_pad(_cell(v), w) for v, w in zip(row, widths, strict=True)))


def _cell(value) -> str:
    return "—" if value is None or value == "" else str(value)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@click.group()
def report():
    """Reports as files."""


@report.command("annual")
@click.option("--fiscal-year", type=click.IntRange(2000, 2100), required=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="the PDF file to write",
)
@with_appcontext
def annual(fiscal_year: int, output: Path):
    """The annual HR-development report (人材育成指標 年次報告) of a fiscal year as PDF."""
    from skillapp.audit.services import record_event
    from skillapp.db import utcnow
    from skillapp.metrics.annual import annual_report_data
    from skillapp.pdf.annual import annual_report_pdf

    if not output.parent.is_dir():
        raise click.BadParameter(
            f"the folder {output.parent} does not exist", param_hint="--output"
        )
    _close_expired_attempts()
    report_data = annual_report_data(db.session, fiscal_year)
    data = annual_report_pdf(
        report_data,
        city_name=current_profile(db.session, current_app.config).name,
        created=utcnow(),
    )
    output.write_bytes(data)
    # Audited like the download from the indicators page.
    record_event(
        db.session,
        "export",
        object_type="annual_report",
        object_id=fiscal_year,
        fiscal_year=fiscal_year,
        format="pdf",
        source="cli",
        output=str(output.resolve()),
    )
    db.session.commit()
    click.echo(f"annual report FY{fiscal_year}: {output} ({len(data):,} bytes)")


def _close_expired_attempts() -> None:
    """Score attempts whose time ran out unattended, so the figures count them."""
    from skillapp.assessment.services import close_expired_attempts

    if close_expired_attempts(db.session):
        db.session.commit()
