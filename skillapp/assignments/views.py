"""Assignment pages: the list, create / edit / delete (authors, HR, admins) and
each assignment's people with exports. Department heads see the list and the
people of their own unit, read-only, as on the completion dashboard."""

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from skillapp.assignments import bp, queries
from skillapp.assignments.display import status_text, target_text
from skillapp.assignments.forms import AssignmentForm
from skillapp.assignments.models import Assignment
from skillapp.assignments.services import (
    AssignmentError,
    AssignmentInput,
    create_assignment,
    delete_assignment,
    update_assignment,
)
from skillapp.auth.roles import ADMIN, AUTHOR, HR
from skillapp.extensions import db
from skillapp.forms import CsrfOnlyForm
from skillapp.learning.services import published_modules
from skillapp.metrics.queries import Scope
from skillapp.metrics.views import audit_export, send_table, unit_filters, viewer_scope
from skillapp.roster.bands import BAND_CODES, BAND_LABELS
from skillapp.roster.models import Department
from skillapp.roster.services import ordered_departments
from skillapp.util.dates import page_day, today_jst
from skillapp.web import client_ip, role_required

MANAGERS = (AUTHOR, HR, ADMIN)
PAGE_LIMIT = 500
EXPORT_FORMATS = ("csv", "xlsx", "pdf")


def can_manage() -> bool:
    return current_user.has_role(*MANAGERS)


def report_scope() -> Scope:
    """Authors, HR and admins see everyone; a department head their own unit
    (the dashboard's rule); anyone else gets 403."""
    if can_manage():
        return Scope()
    return viewer_scope()


def _assignment_or_404(assignment_id: int, scope: Scope | None = None) -> Assignment:
    """The assignment, else 404; with a department head's ``scope``, 404 too for
    one that reaches nobody in their unit (as in the list): its note, target
    and title are not theirs to read."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        abort(404)
    if (
        scope is not None
        and scope.department_ids is not None
        and not queries.reaches(db.session, assignment, scope=scope)
    ):
        abort(404)
    return assignment


@bp.app_template_global("assignment_status_text")
def _status_text(status, is_assessment=False):
    return status_text(status, is_assessment=is_assessment)


@bp.route("/assignments")
@login_required
def index():
    scope = report_scope()
    today = today_jst()
    assignments = db.session.scalars(
        select(Assignment).order_by(Assignment.due_on.desc(), Assignment.id.desc())
    ).all()
    rows = []
    for assignment in assignments:
        summary = queries.summary(db.session, assignment, scope=scope, today=today)
        if scope.department_ids is not None and not summary.assigned:
            continue  # a department head sees the assignments that reach their unit
        rows.append((assignment, summary, target_text(assignment)))
    return render_template(
        "assignments/index.html",
        rows=rows,
        today=today,
        can_manage=can_manage(),
        scoped=scope.department_ids is not None,
    )


def _department_tree() -> list[tuple[Department, list[Department]]]:
    """Every department, each 部 followed by its 課, in the city's order."""
    departments = ordered_departments(db.session)
    children: dict[int, list[Department]] = {}
    for department in departments:
        if department.parent_id is not None:
            children.setdefault(department.parent_id, []).append(department)
    return [(d, children.get(d.id, [])) for d in departments if d.parent_id is None]


def _form(assignment: Assignment | None = None) -> AssignmentForm:
    form = AssignmentForm()
    modules = published_modules(db.session)
    form.module_id.choices = [SelectChoice(0, _("Choose…"))] + [
        SelectChoice(
            m.id,
            _("%(title)s (assessment)", title=m.current_version.title)
            if m.is_assessment
            else m.current_version.title,
        )
        for m in modules
    ]
    form.departments.choices = [SelectChoice(d.id, d.name) for d in ordered_departments(db.session)]
    if assignment is not None and request.method == "GET":
        form.module_id.data = assignment.module_id
        form.target.data = assignment.target
        form.bands.data = assignment.bands
        form.departments.data = assignment.department_ids
        form.due_on.data = assignment.due_on
        form.note.data = assignment.note
    if assignment is None and request.method == "GET":
        slug = request.args.get("module")
        chosen = next((m for m in modules if m.slug == slug), None)
        if chosen is not None:
            form.module_id.data = chosen.id
    return form


def _input(form: AssignmentForm) -> AssignmentInput:
    return AssignmentInput(
        module_id=form.module_id.data or None,
        target=form.target.data,
        due_on=form.due_on.data,
        bands=list(form.bands.data or []),
        department_ids=list(form.departments.data or []),
        note=form.note.data or "",
    )


def _show_errors(form: AssignmentForm, error: AssignmentError) -> None:
    for name, messages in error.errors.items():
        getattr(form, name).errors = [*getattr(form, name).errors, *(str(m) for m in messages)]


def _render_form(form, assignment=None):
    return render_template(
        "assignments/form.html",
        form=form,
        assignment=assignment,
        tree=_department_tree(),
        today=today_jst(),
    )


@bp.route("/assignments/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new():
    form = _form()
    if form.validate_on_submit():
        try:
            assignment = create_assignment(
                db.session, _input(form), by_id=current_user.id, ip=client_ip()
            )
        except AssignmentError as error:
            db.session.rollback()
            _show_errors(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "The assignment has been saved: %(title)s, due %(due)s.",
                    title=assignment.module.current_version.title,
                    due=page_day(assignment.due_on),
                ),
                "success",
            )
            return redirect(url_for("assignments.detail", assignment_id=assignment.id))
    return _render_form(form)


@bp.route("/assignments/<id:assignment_id>/edit", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit(assignment_id):
    assignment = _assignment_or_404(assignment_id)
    form = _form(assignment)
    if form.validate_on_submit():
        try:
            changed = update_assignment(
                db.session, assignment, _input(form), by_id=current_user.id, ip=client_ip()
            )
        except AssignmentError as error:
            db.session.rollback()
            _show_errors(form, error)
        else:
            db.session.commit()
            flash(
                _("The assignment has been changed.") if changed else _("Nothing was changed."),
                "success" if changed else "info",
            )
            return redirect(url_for("assignments.detail", assignment_id=assignment.id))
    return _render_form(form, assignment)


@bp.route("/assignments/<id:assignment_id>/delete", methods=["POST"])
@role_required(*MANAGERS)
def delete(assignment_id):
    assignment = _assignment_or_404(assignment_id)
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    title = assignment.module.current_version.title
    delete_assignment(db.session, assignment, by_id=current_user.id, ip=client_ip())
    db.session.commit()
    flash(_("The assignment of %(title)s has been deleted.", title=title), "success")
    return redirect(url_for("assignments.index"))


def _filters(scope: Scope):
    band, department_id = unit_filters(scope)
    show = request.args.get("show") or queries.SHOW_OPEN
    if show not in (queries.SHOW_OPEN, queries.SHOW_ALL):
        abort(400)
    return band, department_id, show


@bp.route("/assignments/<id:assignment_id>")
@login_required
def detail(assignment_id):
    scope = report_scope()
    assignment = _assignment_or_404(assignment_id, scope)
    band, department_id, show = _filters(scope)
    today = today_jst()
    summary = queries.summary(db.session, assignment, scope=scope, today=today)
    people = queries.people(
        db.session,
        assignment,
        scope=scope,
        band=band,
        department_id=department_id,
        show=show,
        today=today,
        limit=PAGE_LIMIT,
    )
    return render_template(
        "assignments/detail.html",
        assignment=assignment,
        status=queries.status_of(False, assignment.due_on, today),
        summary=summary,
        people=people,
        target=target_text(assignment),
        departments=queries.departments_of(db.session, assignment, scope=scope),
        band=band,
        department_id=department_id,
        show=show,
        bands=list(BAND_CODES),
        band_labels=BAND_LABELS,
        today=today,
        limit=PAGE_LIMIT,
        can_manage=can_manage(),
        scoped=scope.department_ids is not None,
        delete_form=CsrfOnlyForm(),
    )


@bp.route("/assignments/<id:assignment_id>/people.<fmt>")
@login_required
def export_people(assignment_id, fmt):
    """The people of an assignment (with the page's filters) as CSV, XLSX or PDF."""
    scope = report_scope()
    if fmt not in EXPORT_FORMATS:
        abort(404)
    assignment = _assignment_or_404(assignment_id, scope)
    band, department_id, show = _filters(scope)
    today = today_jst()
    people = queries.people(
        db.session,
        assignment,
        scope=scope,
        band=band,
        department_id=department_id,
        show=show,
        today=today,
    )
    module = assignment.module
    title = module.current_version.title
    headers = [
        _("Staff number"),
        _("Name"),
        _("Department"),
        _("Job grade"),
        _("Due date"),
        _("Status"),
        _("Best score"),
    ]
    rows = [
        [
            p.staff_no,
            p.name,
            p.department,
            BAND_LABELS.get(p.band, _("Unclassified")),
            assignment.due_on.isoformat(),
            status_text(p.status, is_assessment=module.is_assessment),
            "" if p.best is None else p.best,
        ]
        for p in people
    ]
    department = db.session.get(Department, department_id) if department_id else None
    context = [
        [_("Assignment"), title],
        [_("Who it is for"), target_text(assignment)],
        [_("Due date"), assignment.due_on.isoformat()],
        [_("Roster and status as of"), today.isoformat()],
        [_("Job grade"), BAND_LABELS.get(band, _("Unclassified")) if band else _("All")],
        [_("Department"), department.name if department else _("All")],
        [_("Shown"), _("Everyone assigned") if show == queries.SHOW_ALL else _("Not done yet")],
    ]
    return send_table(
        fmt,
        (_("Assignment"), title, today.isoformat()),
        _("Assignment: %(title)s", title=title),
        context,
        headers,
        rows,
        sheet=module.slug[:31],
        audit=partial(
            audit_export,
            "assignment_people",
            assignment.id,
            fmt,
            len(rows),
            module=module.slug,
            band=band,
            department_id=department_id,
            show=show,
        ),
        ascii_name=f"assignment-{assignment.id}-{module.slug}-{today.isoformat()}",
    )
