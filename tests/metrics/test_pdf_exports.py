"""Long lists as PDF: above PDF_MAX_ROWS the route says so in Japanese and
offers CSV and Excel; a PDF whose client has gone is not finished.

The fixture is test_dashboard's (FY2026) and, for an assignment's people,
test_assignments' world.
"""

import http.client
import logging
import re
import socket
import threading
import time

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from skillapp.audit.models import AuditEvent
from skillapp.extensions import db
from skillapp.learning.models import Module
from skillapp.metrics import reports
from tests.assignments.test_assignments import world  # noqa: F401 — the fixture
from tests.conftest import PASSWORD
from tests.metrics.test_dashboard import fixture  # noqa: F401 — the fixture


def exports() -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")
    )


@pytest.fixture
def hr(make_user, login, fixture):  # noqa: F811
    login(make_user("HR1", roles=["hr"], job_title="人事担当"))


def pending_count() -> int:
    module = db.session.scalar(select(Module).where(Module.slug == "m"))
    return len(reports.pending_table(db.session, 2026, module.id)[1])


def test_a_not_yet_list_longer_than_the_limit_points_to_csv_and_excel(app, client, hr):
    count = pending_count()
    assert count >= 3
    app.config["PDF_MAX_ROWS"] = count - 1
    response = client.get("/hr/dashboard/m/pending.pdf?fy=2026&band=")
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "PDFにするには長すぎます" in page
    assert f"この一覧は{count:,}行あり、PDFにできるのは{count - 1:,}行までです。" in page
    assert "CSVまたはExcelでダウンロードしてください" in page
    links = re.findall(r'href="([^"]*pending\.[a-z]+[^"]*)"', page)
    assert any("pending.csv" in link and "fy=2026" in link for link in links), links
    assert any("encoding=cp932" in link for link in links), links
    assert any("pending.xlsx" in link for link in links), links
    assert exports() == 0  # nothing was exported, so nothing is logged as one
    # CSV and Excel have no limit; at the limit itself the PDF is made.
    csv = client.get("/hr/dashboard/m/pending.csv?fy=2026")
    assert csv.status_code == 200 and exports() == 1
    app.config["PDF_MAX_ROWS"] = count
    pdf = client.get("/hr/dashboard/m/pending.pdf?fy=2026")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert exports() == 2


def test_the_list_pages_state_the_pdf_limit(app, client, hr):
    app.config["PDF_MAX_ROWS"] = 12_345
    page = client.get("/hr/dashboard/m?fy=2026").get_data(as_text=True)
    assert "PDFは12,345行まで" in page


def test_an_assignments_people_longer_than_the_limit_point_to_csv_and_excel(
    app,
    client,
    login,
    world,  # noqa: F811
):
    login(world["hr"])
    assignment = world["everyone"].id
    app.config["PDF_MAX_ROWS"] = 2
    page = client.get(f"/assignments/{assignment}").get_data(as_text=True)
    assert "PDFは2行まで" in page
    response = client.get(f"/assignments/{assignment}/people.pdf?show=all")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "この一覧は6行あり、PDFにできるのは2行までです。" in page  # 5 and HR1
    assert f"/assignments/{assignment}/people.xlsx?show=all" in page
    assert exports() == 0
    app.config["PDF_MAX_ROWS"] = 6
    response = client.get(f"/assignments/{assignment}/people.pdf?show=all")
    assert response.status_code == 200 and exports() == 1


@pytest.mark.parametrize("key", ["werkzeug.socket", "gunicorn.socket"])
def test_client_gone_sees_a_closed_connection(app, key):
    from skillapp.web import client_gone

    server_end, client_end = socket.socketpair()
    try:
        with app.test_request_context(environ_overrides={key: server_end}):
            assert not client_gone()
            client_end.sendall(b"GET / HTTP/1.1\r\n\r\n")  # a pipelined request: still there
            assert not client_gone()
            assert not client_gone()  # only peeked: the request is still to be read
            server_end.recv(100)
            client_end.close()
            assert client_gone()
        with app.test_request_context():
            assert not client_gone()  # no socket to look at (the test client)
    finally:
        server_end.close()


@pytest.fixture
def served(app):
    """``app`` on a real HTTP server on a free local port; yields (host, port)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="pdf-server", daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_a_pdf_is_not_finished_once_its_client_has_gone(
    app,
    make_user,
    fixture,  # noqa: F811
    served,
    monkeypatch,
    caplog,
):
    """A real server and a real socket: the client asks for a long PDF and hangs
    up; the server stops between pages and logs no export. A client that waits
    gets the whole PDF."""
    make_user("HR1", roles=["hr"], job_title="人事担当")
    db.session.commit()
    headers = ["職員番号", "氏名", "所属", "職層", "最高点"]
    long_list = [
        [f"{100000 + i}", "髙橋 一郎", "総務部総務課", "主査・主事", ""] for i in range(4000)
    ]
    monkeypatch.setattr(reports, "pending_table", lambda *_args, **_kw: (headers, long_list))
    caplog.set_level(logging.INFO, logger=app.logger.name)
    host, port = served

    login = http.client.HTTPConnection(host, port, timeout=30)
    login.request(
        "POST",
        "/login",
        body=f"staff_no=HR1&password={PASSWORD.replace(' ', '+')}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    answer = login.getresponse()
    answer.read()
    cookie = answer.getheader("Set-Cookie").split(";")[0]
    login.close()

    path = "/hr/dashboard/m/pending.pdf?fy=2026"
    with socket.create_connection((host, port)) as hangs_up:
        hangs_up.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n\r\n".encode()
        )
    deadline = time.monotonic() + 60
    while not any("client has gone" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, "the build was not stopped"
        time.sleep(0.05)
    assert exports() == 0

    waits = http.client.HTTPConnection(host, port, timeout=120)
    waits.request("GET", path, headers={"Cookie": cookie})
    answer = waits.getresponse()
    data = answer.read()
    waits.close()
    assert answer.status == 200 and data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert exports() == 1
