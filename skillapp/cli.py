"""The ``skillapp`` command: a Flask CLI group with each feature's commands.

Exit status (docs/cli-and-files.md, Exit status): 0 done; 1 invalid input (every problem printed,
nothing written); 2 the command was used wrongly (click's own usage errors).
"""

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app():
    from skillapp import create_app

    return create_app()


def register_commands(app: Flask) -> None:
    from skillapp.auth.cli import users
    from skillapp.authoring.cli import content
    from skillapp.demo.cli import demo
    from skillapp.imports.cli import results, survey, training
    from skillapp.jobs.cli import jobs
    from skillapp.metrics.cli import metrics, report
    from skillapp.roster.cli import roster

    for group in (users, content, roster, results, training, survey, metrics, report, demo, jobs):
        app.cli.add_command(group)


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
def main():
    """skillapp: DX skills learning and HR-development tracking."""


def fail(messages, code: int = 1):
    """Print every problem to stderr and exit with ``code`` (nothing was written)."""
    for message in messages:
        click.echo(str(message), err=True)
    raise SystemExit(code)
