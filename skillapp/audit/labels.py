"""Names of audit events for people reading the log."""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "login": _l("Logged in"),
    "logout": _l("Logged out"),
    "login_failed": _l("Failed login"),
    "login_refused": _l("Login refused (too many failures)"),
    "login_locked": _l("Logins locked"),
    "login_unlocked": _l("Logins unlocked"),
    "account_created": _l("Account created"),
    "account_disabled": _l("Account disabled"),
    "account_enabled": _l("Account enabled"),
    "password_set": _l("Password set"),
    "roles_changed": _l("Roles changed"),
    "sessions_ended": _l("Sessions ended"),
    "attempt_submitted": _l("Attempt submitted"),
    "content_sync": _l("Content loaded"),
    "content_import": _l("Module imported"),
    "content_export": _l("Module exported"),
    "module_published": _l("Module published"),
    "draft_discarded": _l("Draft discarded"),
    "question_retired": _l("Question retired"),
    "question_restored": _l("Question put back in use"),
    "roster_import": _l("Roster imported"),
    "results_import": _l("Results imported"),
    "training_import": _l("Training records imported"),
    "survey_import": _l("Survey imported"),
    "title_band_changed": _l("Job grade of a title changed"),
    "export": _l("Export"),
    "certificate_issued": _l("Certificate issued"),
    "assignment_created": _l("Assignment created"),
    "assignment_changed": _l("Assignment changed"),
    "assignment_deleted": _l("Assignment deleted"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
