"""What a password is, the same everywhere: a first password pasted with a
trailing space, equal work on every failed login, and no invisible passwords."""

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import select

from skillapp.auth import passwords
from skillapp.auth.models import User
from skillapp.auth.passwords import hash_one_time_passwords, password_problems
from skillapp.extensions import db
from skillapp.roster.models import Staff
from tests.conftest import PASSWORD

FIRST = "Kf7-mQ2x-Zp9d"  # as the roster import issues them (random, must be changed)


def with_first_password(user, first=FIRST):
    user.password_hash = hash_one_time_passwords([first])[0]
    user.must_change_password = True
    db.session.commit()
    return user


def change(client, current, new):
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm": new},
    )


# --- item 5: a first password pasted with a trailing space --------------------------


def test_a_first_password_pasted_with_a_trailing_space_still_works_everywhere(
    client, login, make_user
):
    user = with_first_password(make_user())
    response = login(user, FIRST + " ", follow=False)  # pasted from the CSV with a space
    assert response.status_code == 302 and "/account/password" in response.location
    client.post("/logout")
    # The first password is still the same, typed without the space…
    assert login(user, FIRST, follow=False).status_code == 302
    client.post("/logout")
    # …and pasted with it again, on the change form as on the login form.
    login(user, FIRST + " ")
    response = change(client, FIRST + " ", "a passphrase of my own")
    assert response.status_code == 302
    client.post("/logout")
    assert login(user, "a passphrase of my own", follow=False).status_code == 302


def test_a_password_the_person_chose_is_kept_as_typed(client, login, make_user):
    user = make_user()
    login(user)
    assert change(client, PASSWORD, "my own passphrase ").status_code == 302
    client.post("/logout")
    assert login(user, "my own passphrase", follow=False).status_code == 401
    assert login(user, "my own passphrase ", follow=False).status_code == 302


# --- item 18: the same slow work on every failed login --------------------------------


class CountingHasher(PasswordHasher):
    """argon2's hasher, counting the verifications it computes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.computed = []

    def verify(self, hash, password):  # noqa: A002 — argon2's own parameter name
        try:
            return super().verify(hash, password)
        except InvalidHashError:
            raise  # refused before any work was done
        finally:
            text = hash.decode() if isinstance(hash, bytes) else hash
            if text.startswith("$argon2"):
                self.computed.append(text)


@pytest.fixture
def hasher(monkeypatch):
    p = RFC_9106_LOW_MEMORY
    counting = CountingHasher(
        time_cost=p.time_cost,
        memory_cost=p.memory_cost,
        parallelism=p.parallelism,
        hash_len=p.hash_len,
        salt_len=p.salt_len,
        type=p.type,
    )
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


def _account(make_user, kind):
    if kind == "unknown staff number":
        return "NOBODY", "a wrong guess"
    if kind == "inactive staff, right password":
        return make_user(is_active=False).staff_no, PASSWORD
    user = make_user()
    if kind == "unused first password":
        with_first_password(user)
    elif kind == "no password yet":
        user.password_hash = None
    elif kind == "damaged hash":
        user.password_hash = "not a hash at all"
    elif kind == "disabled, right password":
        user.is_disabled = True
        db.session.commit()
        return user.staff_no, PASSWORD
    db.session.commit()
    return user.staff_no, "a wrong guess"


@pytest.mark.parametrize(
    "kind",
    [
        "unknown staff number",
        "no password yet",
        "wrong password",
        "unused first password",
        "damaged hash",
        "inactive staff, right password",
        "disabled, right password",
    ],
)
def test_every_failed_login_costs_one_slow_hash(client, make_user, hasher, kind):
    """Timing told new accounts apart (8 ms for an unused first password, 170 ms
    for the others): each failure now computes exactly one argon2 check."""
    staff_no, password = _account(make_user, kind)
    hasher.computed.clear()
    response = client.post("/login", data={"staff_no": staff_no, "password": password})
    assert response.status_code == 401
    assert len(hasher.computed) == 1, kind


def test_a_first_login_with_the_first_password_costs_one_slow_hash(client, make_user, hasher):
    user = with_first_password(make_user())
    hasher.computed.clear()
    response = client.post("/login", data={"staff_no": user.staff_no, "password": FIRST})
    assert response.status_code == 302
    assert len(hasher.computed) == 1


# --- item 19: no invisible passwords ---------------------------------------------------

INVISIBLE = [
    "\x00" * 8,
    "\u200b" * 8,
    "\u200b\u200c\u200d\u2060\ufeff\u200b\u200c\u200d",
    " " * 10,
    "\u3000" * 8,  # full-width spaces
    "\t" * 8,
    "\u00a0" * 8,
    "\u3164" * 8,  # Hangul filler: a letter that shows nothing
]


@pytest.mark.parametrize("password", INVISIBLE)
def test_invisible_passwords_are_refused(password):
    assert password_problems(password)


@pytest.mark.parametrize(
    "password",
    [
        "correct\x00horse battery",  # a control character inside a good password
        "abc\u200bdefg\u200b",  # 9 characters, 7 that show
        "ab" + " " * 8,
    ],
)
def test_control_and_invisible_characters_do_not_make_a_password(password):
    assert password_problems(password)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "すずしい かぜが ふく",
        "🔑🔒👩‍💻🐈‍⬛🌸🌊🍵🗻",
        "Ümlaut-Straße-9",
    ],
)
def test_visible_passwords_still_pass(password):
    assert password_problems(password) == []


def test_the_change_form_refuses_an_invisible_password_in_japanese(client, login, make_user):
    user = make_user()
    login(user)
    response = change(client, PASSWORD, "\u200b" * 8)
    assert response.status_code == 200
    assert "見えない文字" in response.get_data(as_text=True)


def test_the_administrator_cannot_set_an_invisible_password(client, login, make_user):
    admin = make_user(roles=["admin"])
    target = make_user()
    before = target.password_hash
    login(admin)
    # (NUL in any form field is refused before a view runs: 400. Other control
    # characters reach the password check, which names them.)
    response = client.post(
        f"/admin/users/{target.id}/password",
        data={"password": "\x07" * 8, "must_change": "y"},
        follow_redirects=True,
    )
    assert "制御文字" in response.get_data(as_text=True)
    nul = client.post(
        f"/admin/users/{target.id}/password", data={"password": "\x00" * 8, "must_change": "y"}
    )
    assert nul.status_code == 400
    db.session.refresh(target)
    assert target.password_hash == before


@pytest.mark.parametrize("password", ["\x00" * 8, "\u200b" * 8])
def test_the_cli_refuses_an_invisible_password(runner, make_user, password):
    target = make_user()
    before = target.password_hash
    result = runner.invoke(
        args=["users", "set-password", "--staff-no", target.staff_no, "--password-stdin"],
        input=password + "\n",
    )
    assert result.exit_code == 1
    assert "文字" in result.output
    db.session.expire_all()
    stored = db.session.scalar(
        select(User.password_hash).join(User.staff).where(Staff.staff_no == target.staff_no)
    )
    assert stored == before
