"""The verification address printed on a certificate comes from the
configuration only (PUBLIC_BASE_URL, or the host the request came to when
TRUSTED_HOSTS lists it), never from a Host header the client chose."""

import pytest
from sqlalchemy import select

from skillapp.certificates import services
from skillapp.certificates.models import Certificate
from skillapp.extensions import db
from tests.conftest import PASSWORD

FORGED = "http://evil.example"


def _download(client, base_url):
    """The certificate, asked for at ``base_url`` (the Host header the browser
    sends), logged in there: the session cookie belongs to that host."""
    learner = "L0001"  # the learner of tests/certificates/conftest.py
    client.post("/login", base_url=base_url, data={"staff_no": learner, "password": PASSWORD})
    return client.get("/modules/dx-mindset/certificate.pdf", base_url=base_url)


def _text(client, poppler, base_url):
    response = _download(client, base_url)
    assert response.status_code == 200, response.status_code
    return poppler.text(response.data).replace("\n", " ")


def _path():
    code = services.format_code(db.session.scalars(select(Certificate)).one().code)
    return code, f"/certificates/verify/{code}"


@pytest.fixture
def logged_in(client, completed):
    return client


def test_without_a_configured_address_only_the_code_and_path_are_printed(app, logged_in, poppler):
    assert app.config.get("PUBLIC_BASE_URL") is None and not app.config.get("TRUSTED_HOSTS")
    for base_url in (FORGED, "http://localhost"):
        text = _text(logged_in, poppler, base_url)
        code, path = _path()
        assert "evil.example" not in text and "http://" not in text
        assert code in text and path in text
    # Neither in the QR code nor in a link: the PDF names no host at all.
    data = _download(logged_in, FORGED).data
    assert b"evil.example" not in data and b"/URI" not in data


def test_public_base_url_wins_over_a_forged_host(app, logged_in, poppler):
    app.config["PUBLIC_BASE_URL"] = "https://skillapp.city.example.lg.jp"
    text = _text(logged_in, poppler, FORGED)
    _, path = _path()
    assert f"https://skillapp.city.example.lg.jp{path}" in text
    assert "evil.example" not in text


def test_trusted_hosts_allow_the_request_address(app, logged_in, poppler):
    app.config["TRUSTED_HOSTS"] = ["skillapp.city.example.lg.jp", "localhost"]
    text = _text(logged_in, poppler, "http://skillapp.city.example.lg.jp")
    _, path = _path()
    assert f"http://skillapp.city.example.lg.jp{path}" in text
    # A host outside the list is refused before any view runs.
    assert _download(logged_in, FORGED).status_code == 400
