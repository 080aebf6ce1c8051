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
    "order_changed": _l("Order changed"),
    "export": _l("Export"),
    "certificate_issued": _l("Certificate issued"),
    "assignment_created": _l("Assignment created"),
    "assignment_changed": _l("Assignment changed"),
    "assignment_deleted": _l("Assignment deleted"),
    "attempt_rules_changed": _l("Test rules changed"),
    "attempt_rules_reset": _l("Test rules back to the published settings"),
    "city_profile_changed": _l("City profile changed"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


OBJECT_LABELS = {
    "annual_report": _l("Annual report"),
    "assignment": _l("Assignment"),
    "attempt": _l("Attempt"),
    "certificate": _l("Certificate"),
    "city_profile": _l("City profile"),
    "content": _l("Content"),
    "data_import": _l("Data import"),
    "department": _l("Department"),
    "first_passwords": _l("First passwords"),
    "fiscal_year": _l("Fiscal year"),
    "indicator": _l("Indicator"),
    "job_title": _l("Job title"),
    "module": _l("Module"),
    "roster_import": _l("Roster import"),
    "staff_no": _l("Staff number"),
    "user": _l("Account"),
}

# The keys of events' details, as people read them.
DETAIL_LABELS = {
    "after": _l("After"),
    "as_of": _l("As of"),
    "band": _l("Job grade"),
    "bands": _l("Job grades"),
    "before": _l("Before"),
    "changed": _l("Changed"),
    "completed_on": _l("Completed on"),
    "cooldown_minutes": _l("Pause before a new attempt (minutes)"),
    "cooldown_minutes_before": _l("Pause before a new attempt (minutes), before"),
    "count": _l("Count"),
    "created": _l("Created"),
    "deactivated": _l("Deactivated"),
    "failures": _l("Failures"),
    "file_name": _l("File name"),
    "fiscal_year": _l("Fiscal year"),
    "format": _l("Format"),
    "guideline": _l("Name of the city's DX guideline"),
    "guideline_before": _l("Name of the city's DX guideline, before"),
    "kind": _l("Kind"),
    "late": _l("After the time limit"),
    "max_attempts_per_year": _l("Attempts a fiscal year"),
    "max_attempts_per_year_before": _l("Attempts a fiscal year, before"),
    "module": _l("Module"),
    "module_removed": _l("Unpublished module removed"),
    "must_change": _l("Must be changed at first login"),
    "name": _l("Name"),
    "name_before": _l("Name, before"),
    "new": _l("New"),
    "output": _l("Written to"),
    "passed": _l("Passed"),
    "path": _l("Path"),
    "plan": _l("Name of the plan that holds the staff-development targets"),
    "plan_before": _l("Name of the plan, before"),
    "principles": _l("The city's own statement of its principles"),
    "principles_before": _l("The city's own statement of its principles, before"),
    "question": _l("Question"),
    "reason": _l("Reason"),
    "records": _l("Records removed"),
    "retry_after": _l("Retry after (seconds)"),
    "review": _l("Answers in the review"),
    "review_before": _l("Answers in the review, before"),
    "roles": _l("Roles"),
    "rows": _l("Rows"),
    "scope": _l("Scope"),
    "score": _l("Score"),
    "settings": _l("Settings"),
    "sha256": _l("SHA-256"),
    "slug": _l("Module"),
    "source": _l("From"),
    "staff": _l("Staff affected"),
    "staff_no": _l("Staff number"),
    "targets": _l("Targets"),
    "unchanged": _l("Unchanged"),
    "unclassified": _l("Unclassified"),
    "until": _l("Until"),
    "updated": _l("Updated"),
    "version": _l("Version"),
    "versions": _l("Versions"),
    "via": _l("Via"),
}


def object_label(object_type: str | None) -> str:
    return str(OBJECT_LABELS.get(object_type, object_type or ""))


def detail_label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key))


# Detail values that are codes, by the detail's key.
VALUE_LABELS = {
    "review": {
        "always": _l("Right after every attempt"),
        "after_pass": _l("Only once the person has passed"),
        "never": _l("Never"),
    },
}
VALUE_LABELS["review_before"] = VALUE_LABELS["review"]


def detail_value(value, key: str | None = None) -> str:
    """A detail's value as text: yes/no, codes in words, lists joined, mappings
    as key: value."""
    if isinstance(value, str) and value in VALUE_LABELS.get(key or "", {}):
        return str(VALUE_LABELS[key][value])
    if value is True:
        return str(_l("yes"))
    if value is False:
        return str(_l("no"))
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(detail_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return "、".join(f"{k}: {detail_value(v)}" for k, v in value.items()) or "—"
    return str(value)
