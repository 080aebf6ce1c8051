"""Names of audit events for people reading the log.

Every action, object type and detail key that a ``record_event`` call writes
has a label here, and every detail value that is a code (a job grade, a role,
a reason) is shown by its name: tests/audit/test_labels.py checks the code's
calls, and the test suite checks every event it records (``unlabelled``).
What needs the database (a person's staff number, a department's or module's
name) is looked up by the caller and passed in as ``Names``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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
    "target_changed": _l("Target changed"),
    "target_year_added": _l("Fiscal year of targets added"),
    "indicator_created": _l("Indicator created"),
    "indicator_changed": _l("Indicator changed"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


OBJECT_LABELS = {
    "annual_report": _l("Annual report"),
    "assignment": _l("Assignment"),
    "assignment_people": _l("People of an assignment"),
    "attempt": _l("Attempt"),
    "audit_log": _l("Audit log"),
    "certificate": _l("Certificate"),
    "city_profile": _l("City profile"),
    "completion": _l("Completion by job grade"),
    "completion_by_department": _l("Completion by department"),
    "content": _l("Content"),
    "data_import": _l("Data import"),
    "department": _l("Department"),
    "first_passwords": _l("First passwords"),
    "fiscal_year": _l("Fiscal year"),
    "indicator": _l("Indicator"),
    "indicators": _l("Indicator figures"),
    "job_title": _l("Job title"),
    "module": _l("Module"),
    "pending_list": _l("Not-yet list"),
    "roster_import": _l("Roster import"),
    "staff_no": _l("Staff number"),
    "user": _l("Account"),
}

# The keys of events' details, as people read them.
DETAIL_LABELS = {
    "action": _l("Event"),
    "after": _l("After"),
    "as_of": _l("As of"),
    "assessment": _l("Assessment"),
    "band": _l("Job grade"),
    "bands": _l("Job grades"),
    "before": _l("Before"),
    "categories": _l("Training categories"),
    "changed": _l("Changed"),
    "completed_on": _l("Completed on"),
    "cooldown_minutes": _l("Pause before a new attempt (minutes)"),
    "cooldown_minutes_before": _l("Pause before a new attempt (minutes), before"),
    "count": _l("Count"),
    "created": _l("Created"),
    "date_from": _l("First day"),
    "date_to": _l("Last day"),
    "deactivated": _l("Deactivated"),
    "department_id": _l("Department"),
    "departments": _l("Departments"),
    "due_on": _l("Due date"),
    "duplicates": _l("Repeated rows"),
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
    "note": _l("Note"),
    "number": _l("Number (No.)"),
    "object": _l("Object"),
    "object_id": _l("Object ID"),
    "output": _l("Written to"),
    "pass_mark": _l("Pass mark"),
    "passed": _l("Passed"),
    "path": _l("Path"),
    "person": _l("Person (staff number)"),
    "plan": _l("Name of the plan that holds the staff-development targets"),
    "plan_before": _l("Name of the plan, before"),
    "principles": _l("The city's own statement of its principles"),
    "principles_before": _l("The city's own statement of its principles, before"),
    "question": _l("Question"),
    "reason": _l("Reason"),
    "records": _l("Records removed"),
    "replaced": _l("Replaced responses"),
    "retry_after": _l("Retry after (seconds)"),
    "review": _l("Answers in the review"),
    "review_before": _l("Answers in the review, before"),
    "roles": _l("Roles"),
    "roster_import": _l("Roster import"),
    "rows": _l("Rows"),
    "scope": _l("Scope"),
    "score": _l("Score"),
    "sessions_new": _l("New training sessions"),
    "settings": _l("Settings"),
    "sha256": _l("SHA-256"),
    "show": _l("Shown"),
    "skipped": _l("Skipped rows"),
    "slug": _l("Module"),
    "source": _l("From"),
    "staff": _l("Staff affected"),
    "staff_no": _l("Staff number"),
    "target": _l("Who it is for"),
    "targets": _l("Targets"),
    "unchanged": _l("Unchanged"),
    "unclassified": _l("Unclassified"),
    "unmapped": _l("Unmapped grade answers"),
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


def _bands():
    from skillapp.metrics.models import ALL
    from skillapp.roster.bands import BAND_LABELS, UNCLASSIFIED_LABEL

    return {**BAND_LABELS, ALL: _l("All staff"), "unclassified": UNCLASSIFIED_LABEL}


def _roles():
    from skillapp.auth.roles import ROLE_LABELS

    return ROLE_LABELS


def _targets():
    from skillapp.assignments.models import TARGET_LABELS

    return TARGET_LABELS


def _indicator_kinds():
    from skillapp.metrics.forms import KIND_LABELS

    return KIND_LABELS


_REVIEW = {
    "always": _l("Right after every attempt"),
    "after_pass": _l("Only once the person has passed"),
    "never": _l("Never"),
}

# Codes a detail can hold, by kind: a mapping, or a function giving one (for
# labels that live with their feature).
VALUE_KINDS = {
    "band": _bands,
    "role": _roles,
    "target": _targets,
    "indicator_kind": _indicator_kinds,
    "review": _REVIEW,
    "reason": {
        "bad_credentials": _l("Wrong staff number or password"),
        "inactive": _l("Account disabled or person no longer in post"),
        "throttled": _l("Too many failures: waiting before the next try"),
        "locked": _l("Locked for this address"),
        "account_locked": _l("Locked for every new address (too many failures on the account)"),
    },
    "scope": {"account": _l("The whole account (every address)")},
    "format": {"csv": "CSV", "xlsx": "Excel", "pdf": "PDF"},
    "via": {"cli": _l("command line"), "browser": _l("browser")},
    "show": {"open": _l("Not done yet"), "all": _l("Everyone assigned")},
}

# Which kind of code each detail key holds (keys not here hold plain values).
KEY_KINDS = {
    "band": "band",
    "bands": "band",
    "roles": "role",
    "target": "target",
    "review": "review",
    "review_before": "review",
    "reason": "reason",
    "scope": "scope",
    "format": "format",
    "via": "via",
    "show": "show",
}
# Keys whose kind depends on the event.
ACTION_KEY_KINDS = {
    ("roles_changed", "before"): "role",
    ("roles_changed", "after"): "role",
    ("title_band_changed", "before"): "band",
    ("title_band_changed", "after"): "band",
    ("indicator_created", "kind"): "indicator_kind",
}
# Keys whose value names something in the database (looked up through Names).
KEY_LOOKUPS = {
    "department_id": "department",
    "module": "module",
    "slug": "module",
    "assessment": "module",
}
# Details that hold a day (ISO 8601) or a moment: shown in the page's style
# when the caller gives Names.dates.
DAY_KEYS = {"as_of", "completed_on", "due_on", "date_from", "date_to"}
MOMENT_KEYS = {"until"}

# Details whose value is a mapping of further detail keys: {key: [before, after]}
# (CHANGE_MAPS) or {key: value} (PLAIN_MAPS); an event of NESTED_ACTIONS has
# {"before": …, "after": …} for each key, a mapping of its own for "settings".
CHANGE_MAPS = {"changed"}
PLAIN_MAPS = {"settings"}
NESTED_ACTIONS = {"indicator_changed"}


def _codes(kind: str) -> dict:
    codes = VALUE_KINDS[kind]
    return codes() if callable(codes) else codes


@dataclass
class Names:
    """What the log's codes stand for, looked up by the caller: user id →
    (staff number, name), department id → name, module slug → title,
    indicator code → (number, name)."""

    users: dict = field(default_factory=dict)
    departments: dict = field(default_factory=dict)
    modules: dict = field(default_factory=dict)
    indicators: dict = field(default_factory=dict)
    # (ISO text, is a moment) → the page's way of writing it; None: as recorded.
    dates: Callable[[str, bool], str] | None = None


def _kind_of(action: str, key: str | None) -> str | None:
    return ACTION_KEY_KINDS.get((action, key or "")) or KEY_KINDS.get(key or "")


def detail_value(value, key: str | None = None, *, action: str = "", names: Names | None = None):
    """A detail's value as text: yes/no, codes in words, names for ids, lists
    joined, mappings as key: value and changes as before → after."""
    names = names or Names()
    kind = _kind_of(action, key)
    if kind and isinstance(value, str):
        codes = _codes(kind)
        if value in codes:
            return str(codes[value])
    if names.dates and isinstance(value, str) and key in DAY_KEYS | MOMENT_KEYS:
        try:
            return names.dates(value, key in MOMENT_KEYS)
        except ValueError:
            pass
    if key == "fiscal_year" and isinstance(value, int) and not isinstance(value, bool):
        from skillapp.util.dates import fiscal_year_label

        return fiscal_year_label(value)
    lookup = KEY_LOOKUPS.get(key or "")
    if lookup and isinstance(value, int | str) and not isinstance(value, bool):
        named = _looked_up(lookup, value, names)
        if named:
            return named
    if value is True:
        return str(_l("yes"))
    if value is False:
        return str(_l("no"))
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(detail_value(v, key, action=action, names=names) for v in value) or "—"
    if isinstance(value, dict):
        if set(value) == {"before", "after"}:
            return _change(value["before"], value["after"], key, action, names)
        return _mapping(value, action, names)
    return str(value)


def _mapping(value: dict, action: str, names: Names, *, changes: bool = False) -> str:
    parts = []
    for k, v in value.items():
        if changes and isinstance(v, list | tuple) and len(v) == 2:
            text = _change(v[0], v[1], k, action, names)
        else:
            text = detail_value(v, k, action=action, names=names)
        parts.append(f"{detail_label(k)}: {text}")
    return "、".join(parts) or "—"


def _change(before, after, key, action, names) -> str:
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before or {}, after or {}
        parts = [
            f"{detail_label(k)}: {_change(before.get(k), after.get(k), k, action, names)}"
            for k in dict.fromkeys([*before, *after])
            if before.get(k) != after.get(k)
        ]
        return "、".join(parts) or "—"
    return (
        f"{detail_value(before, key, action=action, names=names)} → "
        f"{detail_value(after, key, action=action, names=names)}"
    )


def _looked_up(lookup: str, value, names: Names) -> str | None:
    if lookup == "department":
        try:
            name = names.departments.get(int(value))
        except (TypeError, ValueError):
            return None
        return name
    if lookup == "module":
        title = names.modules.get(str(value))
        return f"{title} ({value})" if title else None
    return None


def event_details(event, names: Names | None = None) -> list[tuple[str, str]]:
    """An event's details as (label, text) pairs, in the order recorded."""
    names = names or Names()
    pairs = []
    for key, value in (event.detail or {}).items():
        if key in CHANGE_MAPS and isinstance(value, dict):
            text = _mapping(value, event.action, names, changes=True)
        else:
            text = detail_value(value, key, action=event.action, names=names)
        pairs.append((detail_label(key), text))
    return pairs


def object_text(event, names: Names | None = None) -> str:
    """The object's id in words: a person's staff number and name, an
    indicator's number and name, a module's title, a fiscal year's name."""
    names = names or Names()
    object_id = event.object_id or ""
    kind = event.object_type
    if kind == "user":
        person = names.users.get(_int(object_id))
        if person:
            staff_no, name = person
            return f"{staff_no} {name}".strip()
    elif kind == "indicator":
        indicator = names.indicators.get(object_id)
        if indicator:
            number, name = indicator
            return f"No.{number} {name}"
    elif kind in ("module", "pending_list", "completion_by_department"):
        title = names.modules.get(object_id)
        if title:
            return f"{title} ({object_id})"
    elif kind in ("fiscal_year", "annual_report", "indicators", "completion"):
        from skillapp.util.dates import fiscal_year_label

        year = _int(object_id)
        if year:
            return fiscal_year_label(year)
    elif kind in ("roster_import", "data_import"):
        return f"#{object_id}" if object_id else ""
    elif kind == "city_profile":
        return ""  # there is one
    return object_id


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def names_needed(events: Iterable) -> dict[str, set]:
    """What to look up for these events: user ids, department ids, module
    slugs, indicator codes."""
    wanted: dict[str, set] = {"users": set(), "departments": set(), "modules": set()}
    wanted["indicators"] = set()
    for event in events:
        if event.actor_user_id:
            wanted["users"].add(event.actor_user_id)
        kind, object_id = event.object_type, event.object_id or ""
        if kind == "user" and _int(object_id):
            wanted["users"].add(_int(object_id))
        elif kind == "indicator":
            wanted["indicators"].add(object_id)
        elif kind in ("module", "pending_list", "completion_by_department"):
            wanted["modules"].add(object_id)
        _collect(event.detail or {}, wanted)
    return wanted


def _collect(detail: dict, wanted: dict) -> None:
    for key, value in detail.items():
        lookup = KEY_LOOKUPS.get(key)
        values = value if isinstance(value, list | tuple) else [value]
        if isinstance(value, dict):
            if set(value) == {"before", "after"}:
                values = [value["before"], value["after"]]
            else:
                _collect(value, wanted)
                continue
        for v in values:
            if isinstance(v, dict):
                _collect(v, wanted)
            elif lookup == "department" and _int(v):
                wanted["departments"].add(_int(v))
            elif lookup == "module" and isinstance(v, str) and v:
                wanted["modules"].add(v)


def unlabelled(event) -> list[str]:
    """What of an event has no label here: its action, its object type, a
    detail key (nested ones too) or a coded value. Empty when it reads in words."""
    missing = []
    if event.action not in ACTION_LABELS:
        missing.append(f"action {event.action!r}")
    if event.object_type and event.object_type not in OBJECT_LABELS:
        missing.append(f"object type {event.object_type!r}")
    _check(event.action, event.detail or {}, missing, nested=event.action in NESTED_ACTIONS)
    return missing


def _check(action: str, detail: dict, missing: list, *, nested: bool = False) -> None:
    for key, value in detail.items():
        if key not in DETAIL_LABELS:
            missing.append(f"detail key {key!r} of {action!r}")
        kind = _kind_of(action, key)
        for v in _leaves(value):
            if kind and isinstance(v, str) and v not in _codes(kind):
                missing.append(f"value {v!r} of {key!r} ({kind}) in {action!r}")
        if not isinstance(value, dict):
            continue
        if nested and set(value) == {"before", "after"}:
            for side in (value["before"], value["after"]):
                if isinstance(side, dict):
                    _check(action, side, missing)
        elif key in CHANGE_MAPS or key in PLAIN_MAPS:
            _check(action, value, missing)


def _leaves(value):
    if isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, dict):
        if set(value) == {"before", "after"}:
            yield from _leaves([value["before"], value["after"]])
    else:
        yield value
