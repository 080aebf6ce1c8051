"""``next=`` after the login, the language switch and the password change: only
a path on this site, without control characters, is followed; anything else
sends the user to the home page (never a 500 after the login was committed)."""

import pytest
from sqlalchemy import func, select

from skillapp.auth.models import AuthSession
from skillapp.extensions import db
from skillapp.web import safe_next_url
from tests.conftest import PASSWORD

SAFE = ["/", "/history", "/modules/x?fy=2026&band=staff", "/hr/dashboard#top", "/モジュール/1"]
UNSAFE = [
    "/x\r\nSet-Cookie: a=b",
    "/x\nLocation: https://evil.example",
    "/x\r",
    "/\t/evil.example",  # browsers drop the tab: //evil.example
    "/\n/evil.example",
    "/x\x00",
    "/x\x7f",
    "/x\x85",  # C1 next-line
    "/x\u2028",  # line separator
    "/\u200b/evil.example",  # zero-width space
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "https:/evil.example",
    "javascript:alert(1)",
    " /history",
    "history",
    "",
    None,
    "/" + "x" * 5000,
]


def test_only_plain_paths_on_this_site_are_followed():
    for target in SAFE:
        assert safe_next_url(target, "/home") == target, target
    for target in UNSAFE:
        assert safe_next_url(target, "/home") == "/home", target


@pytest.fixture
def no_propagation(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is the 500 a browser would see


def _sessions():
    return db.session.scalar(select(func.count()).select_from(AuthSession))


@pytest.mark.usefixtures("no_propagation")
def test_login_with_a_control_character_in_next_goes_home(client, make_user):
    user = make_user()
    # (NUL is refused before the login runs at all: tests/test_nul.py.)
    for target in ("/x\r\nSet-Cookie: a=b", "/\t/evil.example", "/x\x7f\x85"):
        before = _sessions()
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"staff_no": user.staff_no, "password": PASSWORD},
        )
        assert response.status_code == 302, (target, response.status_code)
        assert response.location == "/", response.location
        assert _sessions() == before + 1
        # Logged in: the home page opens, and logging out makes room for the next try.
        assert client.get("/").status_code == 200
        assert client.post("/logout").status_code == 302


@pytest.mark.usefixtures("no_propagation")
def test_login_keeps_a_plain_next(client, make_user):
    user = make_user()
    response = client.post(
        "/login",
        query_string={"next": "/history?x=1"},
        data={"staff_no": user.staff_no, "password": PASSWORD},
    )
    assert response.status_code == 302 and response.location == "/history?x=1"


@pytest.mark.usefixtures("no_propagation")
def test_language_switch_with_a_control_character_in_next_goes_home(client, login, make_user):
    for logged_in in (False, True):
        if logged_in:
            login(make_user())
        for target in ("/x\r\nSet-Cookie: a=b", "/\t/evil.example", "/x\x7f\x85"):
            response = client.post("/language", data={"locale": "en", "next": target})
            assert response.status_code == 302, (logged_in, target, response.status_code)
            assert response.location == "/"
        response = client.post("/language", data={"locale": "ja", "next": "/history"})
        assert response.location == "/history"


@pytest.mark.usefixtures("no_propagation")
def test_first_login_password_change_with_a_control_character_in_next(client, make_user):
    user = make_user(must_change_password=True)
    response = client.post(
        "/login",
        query_string={"next": "/x\r\nSet-Cookie: a=b"},
        data={"staff_no": user.staff_no, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.location.startswith("/account/password")
    response = client.post(
        "/account/password?next=%2Fx%0D%0ASet-Cookie%3A+a%3Db",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302, response.status_code
    assert response.location == "/"
