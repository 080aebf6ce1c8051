"""Dashboard tables as ``(headers, rows)``: the view picks CSV, XLSX or PDF."""

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from skillapp.metrics import queries
from skillapp.roster.bands import BAND_LABELS


def pending_table(
    session: Session,
    fiscal_year: int,
    module_id: int,
    *,
    band: str | None = None,
    department_id: int | None = None,
    scope: queries.Scope | None = None,
) -> tuple[list[str], list[list]]:
    """The not-yet list of a module for a fiscal year, everyone in scope, no limit."""
    people = queries.not_yet_done(
        session,
        fiscal_year,
        module_id,
        band=band,
        department_id=department_id,
        scope=scope or queries.Scope(),
    )
    headers = [_("Staff number"), _("Name"), _("Department"), _("Job grade"), _("Best score")]
    rows = [
        [
            p.staff_no,
            p.name,
            p.department,
            BAND_LABELS.get(p.band, _("Unclassified")),
            "" if p.best is None else p.best,
        ]
        for p in people
    ]
    return headers, rows
