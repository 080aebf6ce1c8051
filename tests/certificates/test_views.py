"""Downloading one's own certificate, and the public verification page."""

import re

from PIL import Image
from sqlalchemy import select

from skillapp.audit.models import AuditEvent
from skillapp.certificates import services
from skillapp.certificates.models import Certificate
from skillapp.extensions import db
from skillapp.roster.services import StaffInput, upsert_staff
from tests.certificates.conftest import read_all
from tests.helpers import take


def download(client, slug="dx-mindset"):
    return client.get(f"/modules/{slug}/certificate.pdf")


def only_certificate():
    return db.session.scalars(select(Certificate)).one()


def test_the_certificate_shows_who_what_when_and_how_to_verify(client, login, completed, poppler):
    _, learner = completed
    login(learner)
    response = download(client)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    cert = only_certificate()
    assert f"certificate-{cert.number}.pdf" in response.headers["Content-Disposition"]
    text = poppler.text(response.data)
    code = services.format_code(cert.code)
    for expected in (
        "修",
        "髙橋 一郎",
        "総務部デジタル推進課",
        "行動原則・マインドセット",
        "100点",
        "令和8年6月2日（2026年6月2日）",  # completed, in both calendars
        cert.number,
        code,
        f"/certificates/verify/{code}",  # no address configured: the path only
        "テスト市",  # CITY_NAME
    ):
        assert expected in text, expected
    assert "BIZUDGothic" in poppler.fonts(response.data)
    [page] = poppler.render(response.data)
    with Image.open(page) as image:
        assert abs(image.width / image.height - 210 / 297) < 0.01  # A4 portrait


def test_repeat_download_is_the_same_document(client, login, completed, make_user):
    _, learner = completed
    login(learner)
    first = download(client).data
    # A transfer and a new name later, the certificate still says what it said.
    upsert_staff(
        db.session,
        StaffInput(staff_no="L0001", name="髙橋 一朗", department="市民部市民課", job_title="主事"),
    )
    db.session.commit()
    assert download(client).data == first
    number = only_certificate().number
    assert client.get(f"/certificates/{number}.pdf").data == first
    assert db.session.query(Certificate).count() == 1


def test_only_the_owner_can_download(client, login, completed, make_user):
    _, learner = completed
    login(learner)
    download(client)
    number = only_certificate().number
    client.post("/logout")
    other = make_user("L0002", name="山﨑 花子")
    login(other)
    assert client.get(f"/certificates/{number}.pdf").status_code == 404
    # The other person has not completed the module: nothing to issue.
    assert download(client).status_code == 404
    assert db.session.query(Certificate).count() == 1
    client.post("/logout")
    assert client.get(f"/certificates/{number}.pdf").status_code == 302  # to the login page


def test_not_complete_is_refused(client, login, course, learner):
    login(learner)
    assert download(client).status_code == 404
    take(learner, course, "2026-06-01T10:00:00", right=3)
    assert download(client).status_code == 404  # passed, but lessons unread
    read_all(learner, course)
    assert download(client).status_code == 200
    assert download(client, "no-such-module").status_code == 404


def test_module_page_and_history_offer_the_certificate(client, login, completed):
    _, learner = completed
    login(learner)
    page = client.get("/modules/dx-mindset").get_data(as_text=True)
    assert 'id="certificate-link"' in page and "/modules/dx-mindset/certificate.pdf" in page
    history = client.get("/history").get_data(as_text=True)
    assert "/modules/dx-mindset/certificate.pdf" in history
    download(client)
    number = only_certificate().number
    history = client.get("/history").get_data(as_text=True)
    assert f"/certificates/{number}.pdf" in history
    assert "/modules/dx-mindset/certificate.pdf" not in history


def test_no_certificate_link_before_completion(client, login, course, learner):
    login(learner)
    assert 'id="certificate-link"' not in client.get("/modules/dx-mindset").get_data(as_text=True)


def _result(html: str) -> str:
    match = re.search(r'<section [^>]*id="result">(.*?)</section>', html, re.S)
    assert match, html
    return match.group(1)


def test_verification_page_is_public_and_shows_only_name_module_date(client, login, completed):
    _, learner = completed
    login(learner)
    download(client)
    client.post("/logout")
    cert = only_certificate()
    code = services.format_code(cert.code)
    response = client.get(f"/certificates/verify/{code}")  # anonymous
    assert response.status_code == 200
    assert "noindex" in response.headers["X-Robots-Tag"]
    result = _result(response.get_data(as_text=True))
    assert "髙橋 一郎" in result and "行動原則・マインドセット" in result
    # As the certificate prints it (issue 14, item 26: one style, the certificate's).
    assert "令和8年6月2日（2026年6月2日）" in result
    assert "研修名" in result and "修了日" in result  # labelled as on the certificate
    for secret in (
        cert.number,
        "L0001",
        "総務部デジタル推進課",
        "100",
        str(learner.id),
        cert.code,
    ):
        assert secret not in result, secret
    # The form: typed in lower case, without hyphens, lands on the same page.
    typed = client.get("/certificates/verify", query_string={"code": cert.code.lower()})
    assert typed.status_code == 302
    assert typed.location.endswith(f"/certificates/verify/{code}")


def test_unknown_and_malformed_codes_get_the_same_404(client, completed, login):
    _, learner = completed
    login(learner)
    download(client)
    client.post("/logout")
    unknown = client.get("/certificates/verify/0000-0000-0000-0000")
    malformed = client.get("/certificates/verify/not-a-code")
    typed = client.get("/certificates/verify", query_string={"code": "not-a-code"})
    for response in (unknown, malformed, typed):
        assert response.status_code == 404
        result = _result(response.get_data(as_text=True))
        assert "髙橋" not in result and "行動原則" not in result
    assert _result(unknown.get_data(as_text=True)) == _result(malformed.get_data(as_text=True))
    form = client.get("/certificates/verify")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert '<label for="code">' in html and 'id="code"' in html and 'id="result"' not in html


def test_an_assessment_certificate_says_passed(client, login, make_module, learner, poppler):
    exam = make_module("dx-literacy", kind="assessment", title="DXリテラシー確認テスト")
    take(learner, exam, "2026-07-02T10:00:00", right=3)
    login(learner)
    response = download(client, "dx-literacy")
    assert response.status_code == 200
    text = poppler.text(response.data).replace("\n", "")
    assert "試験に合格した" in text and "合格日" in text and "DXリテラシー確認テスト" in text


def test_public_base_url_fixes_the_printed_address(app, client, login, completed, poppler):
    app.config["PUBLIC_BASE_URL"] = "https://skillapp.city.example.lg.jp/"
    _, learner = completed
    login(learner)
    text = poppler.text(download(client).data)
    code = services.format_code(only_certificate().code)
    assert f"https://skillapp.city.example.lg.jp/certificates/verify/{code}" in text


def _events(action):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def test_every_download_is_audited_as_an_export(client, login, completed, make_user):
    _, learner = completed
    login(learner)
    download(client)
    number = only_certificate().number
    client.get(f"/certificates/{number}.pdf")
    download(client)
    exports = _events("export")
    assert len(exports) == 3
    for event in exports:
        assert (event.actor_user_id, event.object_type, event.object_id) == (
            learner.id,
            "certificate",
            number,
        )
        assert event.detail == {"format": "pdf", "module": "dx-mindset"}
    assert len(_events("certificate_issued")) == 1
    # Refused downloads write nothing.
    client.post("/logout")
    login(make_user("L0002", name="山﨑 花子"))
    assert client.get(f"/certificates/{number}.pdf").status_code == 404
    assert download(client).status_code == 404
    assert len(_events("export")) == 3
