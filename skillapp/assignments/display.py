"""How assignments and statuses read, on pages and in exports."""

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import object_session

from skillapp.assignments.models import BANDS, DEPARTMENTS
from skillapp.assignments.queries import DONE, OVERDUE, Status
from skillapp.roster.bands import band_label
from skillapp.roster.services import department_sort_keys


def status_text(status: Status, *, is_assessment: bool) -> str:
    """「修了」, 「あと3日」, 「今日が期限」, 「期限超過（2日）」 …"""
    if status.code == DONE:
        return _("Passed") if is_assessment else _("Completed")
    if status.code == OVERDUE:
        return ngettext("Overdue by %(num)d day", "Overdue by %(num)d days", status.days)
    if status.days == 0:
        return _("Due today")
    return ngettext("Due in %(num)d day", "Due in %(num)d days", status.days)


def department_names(assignment) -> list[str]:
    """The names of an assignment's departments, in the city's order."""
    keys = department_sort_keys(object_session(assignment))
    rows = [row.department for row in assignment.department_rows]
    return [d.name for d in sorted(rows, key=lambda d: keys.get(d.id, ()))]


def target_text(assignment) -> str:
    """「全職員」, 「職層: 主査・主事」, 「所属: 総務部、市民部市民課」."""
    if assignment.target == BANDS:
        names = "、".join(band_label(code) for code in assignment.bands)
        return _("Job grades: %(names)s", names=names)
    if assignment.target == DEPARTMENTS:
        names = "、".join(department_names(assignment))
        return _("Departments: %(names)s", names=names)
    return _("Everyone")
