"""HR's completion dashboard, and department heads' view of their own unit."""

from collections.abc import Callable
from functools import partial
from io import BytesIO

from flask import Response, abort, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from skillapp.audit.services import record_event
from skillapp.auth.roles import ADMIN, HR
from skillapp.city.views import city_profile
from skillapp.db import utcnow
from skillapp.extensions import db
from skillapp.learning.models import Module
from skillapp.metrics import bp, queries, reports
from skillapp.pdf.table import BuildStopped, table_pdf
from skillapp.roster.bands import BAND_CODES, BAND_LABELS, MANAGEMENT
from skillapp.roster.models import Department
from skillapp.util.dates import fiscal_year_label, fiscal_year_of, today_jst
from skillapp.util.downloads import attach, file_name
from skillapp.util.spreadsheets import to_csv, to_xlsx
from skillapp.web import client_gone, client_ip, id_arg

# Titles that head a 部 rather than a 課.
_DIVISION_HEADS = {"部長", "次長"}


def chart_items(rates: dict, *, with_all: bool = False) -> list[tuple]:
    """(label, percent or None, text) for each band, for the bar charts."""
    keys = [*BAND_CODES, "all"] if with_all else list(BAND_CODES)
    items = []
    for key in keys:
        rate = rates[key]
        label = BAND_LABELS.get(key) or _("All staff")
        text = (
            "—"
            if rate.percent is None
            else (f"{rate.percent:.1f}% ({rate.numerator}/{rate.denominator})")
        )
        items.append((label, rate.percent, text))
    return items


@bp.app_template_global("fy_label")
def _fy_label(year: int) -> str:
    return fiscal_year_label(year)


def viewer_scope() -> queries.Scope:
    """HR and admins see everyone; a manager sees only their own unit; others: 403."""
    if current_user.has_role(HR, ADMIN):
        return queries.Scope()
    staff = current_user.staff
    if staff.band != MANAGEMENT or staff.department is None or not staff.is_active:
        abort(403)
    unit = staff.department
    if staff.job_title in _DIVISION_HEADS and unit.parent is not None:
        unit = unit.parent
    ids = {unit.id} | set(
        db.session.scalars(select(Department.id).where(Department.parent_id == unit.id))
    )
    return queries.Scope(department_ids=tuple(sorted(ids)))


def fiscal_year_arg() -> int:
    """The fiscal year asked for with ``?fy=YYYY`` (default: this one); 400 if
    it is not a year with figures to show. Shared by the pages that count results."""
    current = fiscal_year_of(today_jst())
    year = request.args.get("fy", current, type=int)
    if not 2000 <= year <= current + 1:
        abort(400)
    return year


def recent_fiscal_years() -> list[int]:
    """This fiscal year and the four before it, newest first, for the year selector."""
    current = fiscal_year_of(today_jst())
    return list(range(current, current - 5, -1))


@bp.route("/dashboard")
@login_required
def dashboard():
    scope = viewer_scope()
    year = fiscal_year_arg()
    rows = queries.completion_by_band(db.session, year, scope)
    return render_template(
        "metrics/dashboard.html",
        rows=rows,
        year=year,
        years=recent_fiscal_years(),
        year_label=fiscal_year_label(year),
        as_of=queries.as_of_day(year),
        scope=scope,
        bands=list(BAND_CODES),
        band_labels=BAND_LABELS,
        unit_name=_unit_name(scope),
        chart_items=chart_items,
    )


def _unit_name(scope) -> str | None:
    if scope.department_ids is None:
        return None
    names = db.session.scalars(
        select(Department.name).where(
            Department.id.in_(scope.department_ids), Department.parent_id.is_(None)
        )
    ).all()
    return names[0] if names else current_user.staff.department.name


def _module_or_404(slug) -> Module:
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    if module is None or module.current_version is None:
        abort(404)
    return module


def unit_filters(scope) -> tuple[str | None, int | None]:
    """``?band=`` and ``?department=``: 400 for an unknown grade, 404 for what
    cannot be a department id, 403 for a department outside the viewer's unit."""
    band = request.args.get("band") or None
    if band not in (None, "unclassified", *BAND_CODES):
        abort(400)
    department_id = id_arg("department")
    if (
        department_id
        and scope.department_ids is not None
        and department_id not in scope.department_ids
    ):
        abort(403)
    return band, department_id


@bp.route("/dashboard/<slug>")
@login_required
def module_detail(slug):
    scope = viewer_scope()
    year = fiscal_year_arg()
    module = _module_or_404(slug)
    band, department_id = unit_filters(scope)
    departments = queries.completion_by_department(db.session, year, module.id, scope)
    pending = queries.not_yet_done(
        db.session, year, module.id, band=band, department_id=department_id, scope=scope, limit=500
    )
    progress = queries.monthly_progress(db.session, year, module.id, scope)
    if year == fiscal_year_of(today_jst()):
        # The months still to come have no figure yet, not this month's.
        today = today_jst()
        progress = progress[: (today.month - 4) % 12 + 1]
    (row,) = queries.completion_by_band(db.session, year, scope, module_id=module.id)
    return render_template(
        "metrics/module.html",
        module=module,
        row=row,
        departments=departments,
        department_tree=queries.department_tree(db.session, departments, scope),
        pending=pending,
        progress=progress,
        year=year,
        years=recent_fiscal_years(),
        year_label=fiscal_year_label(year),
        as_of=queries.as_of_day(year),
        band=band,
        department_id=department_id,
        bands=list(BAND_CODES),
        band_labels=BAND_LABELS,
        scope=scope,
        chart_items=chart_items,
    )


EXPORT_FORMATS = ("csv", "xlsx", "pdf")


def fy_name(year: int) -> str:
    """The fiscal year in a file name: 「2026年度」, "FY2026"."""
    return _("FY%(year)d", year=year)


def send_table(
    fmt: str,
    name: str | tuple,
    title: str,
    context: list[list],
    headers: list,
    rows: list,
    *,
    sheet: str = "Sheet1",
    audit: Callable[[], None],
    ascii_name: str = "table",
) -> Response:
    """One report table, with its context (fiscal year, as-of date, filters), as
    CSV (UTF-8 with BOM, or CP932 with ?encoding=cp932), XLSX or PDF.

    The file is named in the page's language from ``name`` (its parts, e.g.
    what, module, year), with ``ascii_name`` for programs that read only plain
    names; the two CSVs carry their encoding in the name, so that both can sit
    in one folder.

    ``audit`` writes the download to the audit log; it is called once the file
    is made, before it is sent, so a PDF refused for its length or given up
    because its client has gone is not logged as an export.

    A PDF of more than ``PDF_MAX_ROWS`` rows is refused with a page that offers
    CSV and Excel. A PDF is made a page at a time, and asks between pages
    whether the client is still there (``client_gone``): a PDF nobody will
    receive is not finished.
    """
    if fmt == "pdf" and len(rows) > current_app.config["PDF_MAX_ROWS"]:
        return _too_long_for_pdf(len(rows), current_app.config["PDF_MAX_ROWS"])
    if fmt == "xlsx":
        data = to_xlsx(headers, rows, title=sheet, preamble=context)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        encoding = "cp932" if request.args.get("encoding") == "cp932" else "utf-8-sig"
        data = to_csv(headers, rows, encoding=encoding, preamble=[*context, []])
        mimetype = f"text/csv; charset={'shift_jis' if encoding == 'cp932' else 'utf-8'}"
    elif fmt == "pdf":
        lines = [_("%(label)s: %(value)s", label=label, value=value) for label, value in context]
        try:
            data = table_pdf(
                title,
                lines,
                headers,
                rows,
                created=utcnow(),
                author=city_profile().name,
                should_stop=client_gone,
            )
        except BuildStopped:
            current_app.logger.info(
                "%s.pdf (%d rows) not finished: the client has gone", name, len(rows)
            )
            return Response(status=499)  # nginx's "client closed request": nobody reads it
        mimetype = "application/pdf"
    else:
        abort(404)
    audit()
    parts = name if isinstance(name, tuple) else (name,)
    if fmt == "csv":
        cp932 = encoding == "cp932"
        parts = (*parts, "Shift_JIS" if cp932 else "UTF-8")
        ascii_name += "-sjis" if cp932 else "-utf8"
    response = send_file(
        BytesIO(data),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"{ascii_name}.{fmt}",
    )
    # Werkzeug appends "; charset=utf-8" to a text/* mimetype even when it names one.
    response.headers["Content-Type"] = mimetype
    return attach(response, file_name(*parts, ext=fmt), f"{ascii_name}.{fmt}")


def _too_long_for_pdf(rows: int, limit: int):
    """The page a PDF link leads to when its list is longer than PDF_MAX_ROWS:
    it says so and links the same list, with the same filters, as CSV and Excel."""
    args = {k: v for k, v in request.args.items() if k != "encoding"}

    def link(fmt: str, **extra) -> str:
        return url_for(request.endpoint, **{**request.view_args, "fmt": fmt}, **args, **extra)

    links = [
        ("CSV (UTF-8)", link("csv")),
        ("CSV (Shift_JIS)", link("csv", encoding="cp932")),
        ("Excel", link("xlsx")),
    ]
    page = render_template(
        "metrics/too_long_for_pdf.html", rows=f"{rows:,}", limit=f"{limit:,}", links=links
    )
    return page, 422


@bp.route("/dashboard/<slug>/pending.<fmt>")
@login_required
def export_pending(slug, fmt):
    """The not-yet list as CSV, XLSX or PDF, with the year, as-of date and filters."""
    scope = viewer_scope()
    if fmt not in EXPORT_FORMATS:
        abort(404)
    year = fiscal_year_arg()
    module = _module_or_404(slug)
    band, department_id = unit_filters(scope)
    headers, rows = reports.pending_table(
        db.session, year, module.id, band=band, department_id=department_id, scope=scope
    )
    department = db.session.get(Department, department_id) if department_id else None
    title = module.current_version.title
    context = [
        *export_context(year, scope),
        [_("Module"), title],
        [_("Job grade"), BAND_LABELS.get(band, _("Unclassified")) if band else _("All")],
        [_("Department"), department.name if department else _("All")],
    ]
    heading = _("Not yet passed") if module.is_assessment else _("Not yet completed")
    return send_table(
        fmt,
        (heading, title, fy_name(year)),
        f"{heading} — {title}",
        context,
        headers,
        rows,
        sheet=module.slug,
        audit=partial(
            audit_export,
            "pending_list",
            module.slug,
            fmt,
            len(rows),
            fiscal_year=year,
            band=band,
            department_id=department_id,
        ),
        ascii_name=f"not-yet-{module.slug}-FY{year}",
    )


def export_context(year: int, scope: queries.Scope) -> list[list]:
    """What every export states above its table: the fiscal year, the roster
    day it was counted on and, for a department head, whose staff it covers."""
    context = [
        [_("Fiscal year"), fiscal_year_label(year)],
        [_("Roster as of"), queries.as_of_day(year).isoformat()],
    ]
    if scope.department_ids is not None:
        context.append([_("Unit"), _unit_name(scope)])
    return context


@bp.route("/dashboard.<fmt>")
@login_required
def export_completion(fmt):
    """Completion and pass rate of every module by job grade (the dashboard table)."""
    scope = viewer_scope()
    if fmt not in EXPORT_FORMATS:
        abort(404)
    year = fiscal_year_arg()
    headers, rows = reports.completion_table(queries.completion_by_band(db.session, year, scope))
    context = [*export_context(year, scope), [_("Job grade"), _("All")]]
    return send_table(
        fmt,
        (_("Completion and pass rate by job grade"), fy_name(year)),
        _("Completion and pass rate by job grade"),
        context,
        headers,
        rows,
        sheet=f"FY{year}",
        audit=partial(audit_export, "completion", year, fmt, len(rows), fiscal_year=year),
        ascii_name=f"completion-FY{year}",
    )


@bp.route("/dashboard/<slug>/departments.<fmt>")
@login_required
def export_departments(slug, fmt):
    """One module's completion and pass rate by department."""
    scope = viewer_scope()
    if fmt not in EXPORT_FORMATS:
        abort(404)
    year = fiscal_year_arg()
    module = _module_or_404(slug)
    departments = queries.completion_by_department(db.session, year, module.id, scope)
    headers, rows = reports.department_table(
        queries.department_tree(db.session, departments, scope), is_assessment=module.is_assessment
    )
    title = module.current_version.title
    context = [*export_context(year, scope), [_("Module"), title], [_("Department"), _("All")]]
    return send_table(
        fmt,
        (_("By department"), title, fy_name(year)),
        f"{_('By department')} — {title}",
        context,
        headers,
        rows,
        sheet=module.slug,
        audit=partial(
            audit_export, "completion_by_department", module.slug, fmt, len(rows), fiscal_year=year
        ),
        ascii_name=f"departments-{module.slug}-FY{year}",
    )


def audit_export(object_type: str, object_id, fmt: str, rows: int, **detail) -> None:
    """Write a download to the audit log and commit, before the file is sent
    (``send_table`` calls it once the file is made)."""
    record_event(
        db.session,
        "export",
        actor_id=current_user.id,
        object_type=object_type,
        object_id=object_id,
        ip=client_ip(),
        format=fmt,
        rows=rows,
        **detail,
    )
    db.session.commit()
