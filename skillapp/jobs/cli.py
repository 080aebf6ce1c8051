import click
from flask import current_app
from flask.cli import with_appcontext

from skillapp.extensions import db
from skillapp.jobs.services import scheduled_steps


@click.group()
def jobs():
    """Scheduled work."""


@jobs.command("run")
@with_appcontext
def run():
    """Do the scheduled work once, printing a count for each step: roster changes
    dated up to today come into force, attempts past their deadline are scored,
    expired pending files (uploads, lists of first passwords) are deleted and
    timed-out login sessions are ended. Safe to run at any time, as often as
    wanted: run it every few minutes from cron or a systemd timer."""
    for label, step in scheduled_steps(current_app.config):
        count = step(db.session)
        # Each step in its own transaction: one that fails leaves the others done.
        db.session.commit()
        click.echo(f"{label}: {count}")
