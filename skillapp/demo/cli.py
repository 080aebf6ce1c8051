import click
from flask import current_app
from flask.cli import with_appcontext

from skillapp.demo.data import DEMO_ACCOUNTS
from skillapp.demo.services import database_is_empty, seed_demo
from skillapp.extensions import db


@click.group()
def demo():
    """The demo city."""


@demo.command("seed")
@click.option("--if-empty", is_flag=True, help="do nothing when the roster already has people")
@with_appcontext
def seed(if_empty):
    """A demo city: roster, accounts for each role, attempts, results, training, surveys."""
    if not database_is_empty(db.session):
        if if_empty:
            click.echo("demo seed: the database already has data; nothing to do")
            return
        raise click.UsageError(
            "the database already has staff; the demo city goes into an empty database only"
        )
    report = seed_demo(db.session, config=current_app.config)
    db.session.commit()
    click.echo(
        f"demo city: {report.staff} staff, {report.attempts} attempts, "
        f"{report.results} results from another system, {report.attendances} training "
        f"attendances, {report.survey_responses} survey responses, "
        f"{report.assignments} assignments"
    )
    _print_logins()


@demo.command("logins")
def logins():
    """Print the demo logins."""
    _print_logins()


def _print_logins():
    click.echo("demo logins (staff number / password):")
    for staff_no, name, password, roles in [(a[0], a[1], a[5], a[4]) for a in DEMO_ACCOUNTS]:
        role = ", ".join(("learner",) + tuple(roles))
        click.echo(f"  {role:<16} {staff_no} / {password}   ({name})")
