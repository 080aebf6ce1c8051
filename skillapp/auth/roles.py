"""Roles (docs/rules.md, Roles): one person may hold several; everyone is a learner."""

from flask_babel import lazy_gettext as _l

LEARNER = "learner"
AUTHOR = "author"
HR = "hr"
ADMIN = "admin"
ROLES = (LEARNER, AUTHOR, HR, ADMIN)

ROLE_LABELS = {
    LEARNER: _l("Learner"),
    AUTHOR: _l("Author (DX specialist)"),
    HR: _l("HR"),
    ADMIN: _l("Administrator"),
}
