from sqlalchemy import select

from skillapp.auth.models import User
from skillapp.auth.passwords import verify_password
from skillapp.extensions import db
from skillapp.roster.models import Staff


def user(staff_no):
    return db.session.scalar(select(User).join(User.staff).where(Staff.staff_no == staff_no))


def test_create_for_someone_not_on_the_roster(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--staff-no",
            "Ｅ９００１",
            "--role",
            "hr",
            "--role",
            "author",
            "--name",
            "外部 太郎",
            "--job-title",
            "係長",
            "--password-stdin",
        ],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    created = user("E9001")  # NFKC: full-width becomes ASCII
    assert created.roles == {"learner", "hr", "author"}
    assert created.staff.band == "supervisor"
    assert created.must_change_password is True
    assert verify_password(created.password_hash, "a long enough passphrase")


def test_create_for_a_roster_member_reuses_the_staff_record(runner, app):
    from skillapp.roster.services import StaffInput, upsert_staff

    upsert_staff(db.session, StaffInput(staff_no="R1", name="名簿 花子", job_title="主事"))
    db.session.commit()
    result = runner.invoke(args=["users", "create", "--staff-no", "R1"])
    assert result.exit_code == 0, result.output
    assert user("R1").staff.name == "名簿 花子"
    assert db.session.scalar(select(db.func.count()).select_from(Staff)) == 1


def test_create_twice_is_refused(runner, make_user):
    make_user("DUP1")
    result = runner.invoke(args=["users", "create", "--staff-no", "DUP1"])
    assert result.exit_code == 1
    assert "DUP1 のアカウントはすでにあります" in result.output


def test_weak_password_is_refused_and_nothing_written(runner):
    result = runner.invoke(
        args=["users", "create", "--staff-no", "W1", "--password-stdin"], input="password\n"
    )
    assert result.exit_code == 1
    assert user("W1") is None


def test_set_password_requires_change_unless_told(runner, make_user):
    make_user("P1")
    result = runner.invoke(
        args=["users", "set-password", "--staff-no", "P1", "--password-stdin"],
        input="another long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert user("P1").must_change_password is True
    result = runner.invoke(
        args=[
            "users",
            "set-password",
            "--staff-no",
            "P1",
            "--password-stdin",
            "--no-change-required",
        ],
        input="yet another passphrase\n",
    )
    assert result.exit_code == 0
    db.session.expire_all()
    assert user("P1").must_change_password is False


def test_set_role_and_remove(runner, make_user):
    make_user("S1")
    assert (
        runner.invoke(args=["users", "set-role", "--staff-no", "S1", "--role", "admin"]).exit_code
        == 0
    )
    db.session.expire_all()
    assert "admin" in user("S1").roles
    assert (
        runner.invoke(
            args=["users", "set-role", "--staff-no", "S1", "--role", "admin", "--remove"]
        ).exit_code
        == 0
    )
    db.session.expire_all()
    assert "admin" not in user("S1").roles


def test_usage_errors_exit_2(runner):
    assert runner.invoke(args=["users", "create"]).exit_code == 2
    assert (
        runner.invoke(args=["users", "set-role", "--staff-no", "X", "--role", "boss"]).exit_code
        == 2
    )


def test_unknown_staff_number_exits_1(runner):
    assert (
        runner.invoke(args=["users", "set-role", "--staff-no", "NOPE", "--role", "hr"]).exit_code
        == 1
    )
