"""The annual HR-development report as a download for HR (人材育成指標 年次報告)."""

from io import BytesIO

from flask import abort, request, send_file
from flask_login import current_user

from skillapp.audit.services import record_event
from skillapp.auth.roles import ADMIN, HR
from skillapp.city.views import city_profile
from skillapp.db import utcnow
from skillapp.extensions import db
from skillapp.metrics import bp
from skillapp.metrics.annual import annual_report_data
from skillapp.pdf.annual import TITLE as ANNUAL_TITLE
from skillapp.pdf.annual import annual_report_pdf
from skillapp.util.dates import fiscal_year_of, today_jst
from skillapp.util.downloads import attach, file_name
from skillapp.web import client_ip, role_required


@bp.route("/indicators/report.pdf")
@role_required(HR, ADMIN)
def annual_report():
    """``?fiscal_year=YYYY`` (default: the current year) as PDF; audited as an export."""
    raw = request.args.get("fiscal_year")
    year = fiscal_year_of(today_jst()) if raw is None else _int_or_none(raw)
    if year is None or not 2000 <= year <= 2100:
        abort(400)
    report = annual_report_data(db.session, year)
    record_event(
        db.session,
        "export",
        actor_id=current_user.id,
        object_type="annual_report",
        object_id=year,
        ip=client_ip(),
        fiscal_year=year,
        format="pdf",
    )
    db.session.commit()
    data = annual_report_pdf(report, city_name=city_profile().name, created=utcnow())
    response = send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"annual-report-FY{year}.pdf",
    )
    # The report is in Japanese whatever the page's language: so is its name.
    name = file_name(ANNUAL_TITLE, f"{year}年度", ext="pdf")
    return attach(response, name, f"annual-report-FY{year}.pdf")


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
