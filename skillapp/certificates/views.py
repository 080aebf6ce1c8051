from io import BytesIO

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from skillapp.audit.services import record_event
from skillapp.certificates import bp, services
from skillapp.certificates.models import Certificate
from skillapp.city.views import city_profile
from skillapp.extensions import db
from skillapp.learning.models import Module
from skillapp.pdf.certificate import CertificateData, both_calendars, certificate_pdf
from skillapp.util.dates import page_language
from skillapp.util.downloads import attach, file_name
from skillapp.web import client_ip


def verify_path(code: str) -> str:
    return url_for("certificates.verify", code=services.format_code(code))


def verify_url(code: str) -> str | None:
    """The address printed on the certificate, from the configuration only:
    PUBLIC_BASE_URL, or the host the request came to when TRUSTED_HOSTS lists
    the hosts the app answers to (Flask refuses any other with a 400). Without
    either, None: the Host header is the client's to choose, and a forged one
    would end up on a printed certificate."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + verify_path(code)
    if current_app.config.get("TRUSTED_HOSTS"):
        return url_for("certificates.verify", code=services.format_code(code), _external=True)
    return None


@bp.app_template_filter("as_printed")
def as_printed(day) -> str:
    """The day as the certificate prints it, 「令和8年6月2日（2026年6月2日）」, so
    that whoever checks one compares like with like (ISO on English pages)."""
    return both_calendars(day) if page_language() == "ja" else day.isoformat()


def _send(certificate: Certificate):
    """Record the download as an export (the document names a person), commit,
    and send the PDF."""
    record_event(
        db.session,
        "export",
        actor_id=current_user.id,
        object_type="certificate",
        object_id=certificate.number,
        ip=client_ip(),
        format="pdf",
        module=certificate.module.slug,
    )
    db.session.commit()
    data = certificate_pdf(
        CertificateData(
            city=city_profile().name,
            number=certificate.number,
            name=certificate.name,
            department=certificate.department,
            title=certificate.title,
            is_assessment=certificate.is_assessment,
            score=certificate.score,
            pass_mark=certificate.attempt.version.pass_mark,
            completed_on=certificate.completed_on,
            issued_at=certificate.issued_at,
            code=services.format_code(certificate.code),
            verify_url=verify_url(certificate.code),
            verify_path=verify_path(certificate.code),
        )
    )
    response = send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"certificate-{certificate.number}.pdf",
    )
    # 「修了証_DXリテラシー確認テスト_2026-0001.pdf」: the certificate is in Japanese.
    name = file_name("修了証", certificate.title, certificate.number, ext="pdf")
    return attach(response, name, f"certificate-{certificate.number}.pdf")


@bp.route("/modules/<slug>/certificate.pdf")
@login_required
def for_module(slug):
    """The learner's own certificate for a module: issued on the first download,
    the same document on every later one; 404 until complete or passed."""
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    if module is None:
        abort(404)
    try:
        result = services.issue_certificate(db.session, current_user, module, ip=client_ip())
    except services.CertificateError:
        abort(404)
    return _send(result.certificate)


@bp.route("/certificates/<number>.pdf")
@login_required
def download(number):
    """A certificate by its number, for its owner only: everybody else gets 404."""
    certificate = services.certificate_by_number(db.session, number)
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    return _send(certificate)


def _no_index(response):
    # Names appear here: keep the pages out of search engines and caches.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/certificates/verify")
def verify_form():
    """Public: a form to type a code printed on a certificate."""
    code = request.args.get("code", "").strip()
    if code:
        normalized = services.normalize_code(code)
        if normalized is not None:
            return redirect(url_for("certificates.verify", code=services.format_code(normalized)))
        # Malformed: the same answer as an unknown code.
        return _no_index(
            current_app.make_response(
                (render_template("certificates/verify.html", checked=True, code=code), 404)
            )
        )
    return _no_index(current_app.make_response(render_template("certificates/verify.html")))


@bp.route("/certificates/verify/<code>")
def verify(code):
    """Public: whether a code belongs to a valid certificate, and if so whose and
    for what (name, module, date), nothing more. Unknown codes get 404."""
    certificate = services.certificate_by_code(db.session, code)
    response = current_app.make_response(
        (
            render_template(
                "certificates/verify.html", checked=True, code=code, certificate=certificate
            ),
            200 if certificate else 404,
        )
    )
    return _no_index(response)
