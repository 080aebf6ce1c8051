import json

import click
from flask.cli import with_appcontext

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
