import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from skillapp.auth import services
from skillapp.auth.roles import ROLES
from skillapp.cli import fail
from skillapp.extensions import db


@click.group()
def users():
    """Accounts and roles."""


def _read_password(use_stdin: bool) -> str | None:
    if not use_stdin:
        return None
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _user_or_fail(staff_no: str):
    user = services.find_user(db.session, staff_no)
    if user is None:
        fail([f"no account for staff number {staff_no}"])
    return user


@users.command("create")
@click.option("--staff-no", required=True, help="職員番号")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), help="may repeat")
@click.option("--name", help="氏名 (for someone not on the roster)")
@click.option("--department", default="", help="所属 (for someone not on the roster)")
@click.option("--job-title", default="", help="職名 (for someone not on the roster)")
@click.option("--password-stdin", is_flag=True, help="read the first password from stdin")
@click.option(
    "--no-change-required", is_flag=True, help="do not ask for a new password at first login"
)
@with_appcontext
def create_user(staff_no, roles, name, department, job_title, password_stdin, no_change_required):
    """Create an account (and, for someone not on the roster, a staff record)."""
    password = _read_password(password_stdin)
    try:
        user = services.create_account(
            db.session,
            staff_no,
            roles=set(roles),
            password=password,
            config=current_app.config,
            name=name,
            department=department,
            job_title=job_title,
            must_change=not no_change_required,
        )
    except services.AccountError as error:
        db.session.rollback()
        fail(error.messages)
    db.session.commit()
    click.echo(f"created {user.staff_no} roles={','.join(sorted(user.roles))}")
    if password is None:
        click.echo("no password set: use `skillapp users set-password`")


@users.command("set-password")
@click.option("--staff-no", required=True)
@click.option("--password-stdin", is_flag=True, required=True, help="read the password from stdin")
@click.option(
    "--no-change-required", is_flag=True, help="do not ask for a new password at next login"
)
@with_appcontext
def set_password(staff_no, password_stdin, no_change_required):
    """Set a password; the account must change it at next login unless told otherwise."""
    user = _user_or_fail(staff_no)
    password = _read_password(password_stdin) or ""
    try:
        services.set_password(
            db.session,
            user,
            password,
            config=current_app.config,
            must_change=not no_change_required,
        )
    except services.AccountError as error:
        db.session.rollback()
        fail(error.messages)
    db.session.commit()
    click.echo(f"password set for {user.staff_no}")


@users.command("set-role")
@click.option("--staff-no", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--remove", is_flag=True, help="remove the role instead of granting it")
@with_appcontext
def set_role(staff_no, role, remove):
    """Grant (or with --remove, take away) a role."""
    user = _user_or_fail(staff_no)
    services.grant_role(db.session, user, role, remove=remove)
    db.session.commit()
    click.echo(f"{user.staff_no} roles={','.join(sorted(user.roles))}")
