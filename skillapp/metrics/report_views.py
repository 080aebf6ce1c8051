"""HR's indicators page, its table as CSV/XLSX/PDF, and the annual
HR-development report as a download (人材育成指標 年次報告)."""

from io import BytesIO

from flask import abort, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from skillapp.audit.services import record_event
from skillapp.auth.roles import ADMIN, HR
from skillapp.db import utcnow
from skillapp.extensions import db
from skillapp.metrics import bp, reports
from skillapp.metrics.annual import annual_report_data
from skillapp.metrics.display import grade_label, show_target, show_value
from skillapp.metrics.indicators import compute_indicators
from skillapp.metrics.views import EXPORT_FORMATS, _fiscal_year, _years, send_table
from skillapp.pdf.annual import annual_report_pdf
from skillapp.util.dates import fiscal_year_label, fiscal_year_of, today_jst
from skillapp.web import client_ip, role_required


@bp.route("/indicators")
@role_required(HR, ADMIN)
def indicators():
    """Each indicator by job grade against its target for ``?fy=YYYY``, with
    the annual report and the table as downloads."""
    year = _fiscal_year()
    figures = compute_indicators(db.session, year)
    return render_template(
        "metrics/indicators.html",
        figures=figures,
        year=year,
        years=_years(),
        year_label=fiscal_year_label(year),
        as_of=figures.as_of,
        chart_items=indicator_chart_items,
    )


def indicator_chart_items(result) -> list[tuple]:
    """(label, value or None, text) for each row of a percent indicator, for
    the bar chart: the value and its target as text beside the bar."""
    indicator = result.indicator
    return [
        (
            grade_label(row.grade_band),
            row.value,
            _(
                "%(value)s (target %(target)s)",
                value=show_value(indicator, row.value),
                target=show_target(indicator, row.target),
            ),
        )
        for row in result.rows
    ]


@bp.route("/indicators/table.<fmt>")
@role_required(HR, ADMIN)
def export_indicators(fmt):
    """The indicators of ``?fy=YYYY`` as CSV, XLSX or PDF: the same (headers,
    rows) as ``skillapp metrics show --format csv``; audited as an export."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    year = _fiscal_year()
    figures = compute_indicators(db.session, year)
    headers, rows = reports.indicator_table(figures)
    context = [
        [_("Fiscal year"), fiscal_year_label(year)],
        [_("Roster as of"), figures.as_of.isoformat()],
        [_("Job grade"), _("All")],
    ]
    record_event(
        db.session,
        "export",
        actor_id=current_user.id,
        object_type="indicator_table",
        object_id=year,
        ip=client_ip(),
        fiscal_year=year,
        format=fmt,
        rows=len(rows),
    )
    db.session.commit()
    return send_table(
        fmt,
        f"indicators-FY{year}",
        _("HR-development indicators"),
        context,
        headers,
        rows,
        sheet=f"FY{year}",
    )


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
    data = annual_report_pdf(report, city_name=current_app.config["CITY_NAME"], created=utcnow())
    return send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"annual-report-FY{year}.pdf",
    )


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
