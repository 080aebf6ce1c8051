import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

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
    """A demo city: roster, accounts for each role, attempts, results, training, surveys.

    Prints the demo logins once, after seeding; `skillapp demo logins` shows them later."""
    if not database_is_empty(db.session):
        if if_empty:
            click.echo(
                "demo seed: the database already has data; nothing to do "
                "(`skillapp demo logins` shows the demo logins)"
            )
            return
        raise click.UsageError(
            "the database already has staff; the demo city goes into an empty database only"
        )
    started = time.monotonic()
    report = seed_demo(
        db.session, config=current_app.config, progress=lambda stage: click.echo(f"… {stage}")
    )
    db.session.commit()
    click.echo(
        f"demo city: {report.staff} staff, {report.attempts} attempts, "
        f"{report.results} results from another system, {report.attendances} training "
        f"attendances, {report.survey_responses} survey responses, "
        f"{report.assignments} assignments ({time.monotonic() - started:.0f} s)"
    )
    _print_logins(DEMO_ACCOUNTS)


@demo.command("logins")
@with_appcontext
def logins():
    """Print the demo logins of this database (exit 1 when it has none)."""
    from skillapp.auth.models import User
    from skillapp.auth.passwords import verify_password
    from skillapp.roster.models import Staff

    hashes = dict(
        db.session.execute(
            select(Staff.staff_no, User.password_hash)
            .join(User, User.staff_id == Staff.id)
            .where(Staff.staff_no.in_([a[0] for a in DEMO_ACCOUNTS]))
        ).all()
    )
    if not hashes:
        click.echo(
            "no demo accounts in this database (`skillapp demo seed` makes them in an empty one)",
            err=True,
        )
        raise SystemExit(1)
    accounts = [a for a in DEMO_ACCOUNTS if a[0] in hashes]
    changed = {a[0] for a in accounts if not verify_password(hashes[a[0]], a[5])}
    _print_logins(accounts, changed)


def _print_logins(accounts, changed=frozenset()):
    click.echo("demo logins (staff number / password):")
    for staff_no, name, _department, _title, roles, password in accounts:
        role = ", ".join(("learner",) + tuple(roles))
        shown = "(password changed since the seed)" if staff_no in changed else password
        click.echo(f"  {role:<16} {staff_no} / {shown}   ({name})")
