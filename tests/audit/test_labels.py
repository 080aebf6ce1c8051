"""Every action, object and detail key that the code writes to the audit log
has a label, and every record written in a request carries the client address.

The calls are read from the source: a literal action, object type or keyword
is checked here. A call whose keys are built at run time (``**counts``) is
listed in DYNAMIC with where its keys come from; the events those calls write
are checked by the test suite itself (tests/conftest.py checks every event a
test records with ``unlabelled``), and by test_dynamic_details_have_labels.
"""

import ast
from pathlib import Path

import pytest

import skillapp
from skillapp.audit.labels import ACTION_LABELS, DETAIL_LABELS, OBJECT_LABELS

SKILLAPP = Path(skillapp.__file__).parent
NOT_DETAIL = {"actor_id", "object_type", "object_id", "ip"}

# (file, function) of calls with an action or detail keys made at run time.
DYNAMIC = {
    ("admin/views.py", "audit_csv"): "**AuditFilter.as_detail() (action, date_from, …)",
    ("assignments/services.py", "create_assignment"): "**describe(assignment)",
    ("assignments/services.py", "delete_assignment"): "**describe(assignment)",
    ("assessment/rules.py", "set_rules"): "**_change(...)",
    ("assessment/rules.py", "clear_rules"): "**_change(...)",
    ("auth/services.py", "authenticate"): "**detail (failures, reason)",
    ("authoring/services.py", "set_question_retired"): "question_retired / question_restored",
    ("city/services.py", "update_profile"): "**changes (FIELDS and <field>_before)",
    ("imports/services.py", "record_import"): "<kind>_import, **counts",
    ("metrics/indicator_views.py", "edit_indicator"): "**{field: before/after}",
    ("metrics/views.py", "audit_export"): "object_type and **detail from its callers",
    ("roster/importing.py", "apply_import"): "**plan.counts",
}


def _functions():
    """(relative path, enclosing function, call) for every call in skillapp."""
    for path in sorted(SKILLAPP.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        relative = path.relative_to(SKILLAPP).as_posix()
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef):
                for node in ast.walk(func):
                    if isinstance(node, ast.Call):
                        yield relative, func, node


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _strings(node) -> set[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body), _strings(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    return None


def _record_event_calls():
    seen = set()
    for relative, func, call in _functions():
        if _name(call) != "record_event" or relative == "audit/services.py":
            continue
        if (relative, call.lineno) in seen:  # nested functions are walked twice
            continue
        seen.add((relative, call.lineno))
        yield relative, func.name, call


def test_every_emitted_action_object_and_detail_key_has_a_label():
    missing, undeclared, calls = [], [], 0
    for relative, function, call in _record_event_calls():
        calls += 1
        where = f"{relative}:{call.lineno} ({function})"
        dynamic = False
        actions = _strings(call.args[1]) if len(call.args) > 1 else None
        if actions is None:
            dynamic = True
        for action in actions or ():
            if action not in ACTION_LABELS:
                missing.append(f"{where}: action {action!r}")
        for keyword in call.keywords:
            if keyword.arg is None:
                dynamic = True
            elif keyword.arg == "object_type":
                types = _strings(keyword.value)
                if types is None:
                    dynamic = True
                for object_type in types or ():
                    if object_type and object_type not in OBJECT_LABELS:
                        missing.append(f"{where}: object type {object_type!r}")
            elif keyword.arg not in NOT_DETAIL and keyword.arg not in DETAIL_LABELS:
                missing.append(f"{where}: detail key {keyword.arg!r}")
        if dynamic and (relative, function) not in DYNAMIC:
            undeclared.append(where)
    assert calls >= 40
    assert not missing, "no label in skillapp/audit/labels.py for: " + "; ".join(missing)
    assert not undeclared, (
        "record_event with keys made at run time: give them labels and list the call in "
        "DYNAMIC: " + "; ".join(undeclared)
    )


def test_every_export_has_an_object_label_and_detail_labels():
    """audit_export(object_type, object_id, fmt, rows, **detail) writes an "export"."""
    missing = []
    for relative, function, call in _functions():
        if _name(call) != "audit_export" or function == "audit_export":
            continue
        object_type = _strings(call.args[0])
        assert object_type, f"{relative}:{call.lineno}: object type must be a literal"
        missing += [f"{relative}: object {t!r}" for t in object_type if t not in OBJECT_LABELS]
        missing += [
            f"{relative}: detail {k.arg!r}"
            for k in call.keywords
            if k.arg is not None and k.arg not in DETAIL_LABELS
        ]
    assert not missing, missing


def _ip_functions() -> set[str]:
    """Functions of skillapp that take the client address (a parameter ``ip``)."""
    names = set()
    for path in SKILLAPP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef):
                params = [*node.args.args, *node.args.kwonlyargs]
                if any(a.arg == "ip" for a in params):
                    names.add(node.name)
    return names


def test_every_event_a_request_writes_carries_the_client_address():
    """Every record_event outside the command line passes ip=, and a view that
    calls a service taking ``ip`` passes the client's."""
    without = []
    for relative, function, call in _record_event_calls():
        if relative.endswith("cli.py") or relative.startswith("demo/"):
            continue
        if not any(k.arg == "ip" for k in call.keywords):
            without.append(f"{relative}:{call.lineno} ({function})")
    assert not without, "record_event without ip=: " + "; ".join(without)

    takes_ip = _ip_functions() - {"record_event", "login_attempt"}
    not_passed = []
    for relative, function, call in _functions():
        if not relative.endswith("views.py") or _name(call) not in takes_ip:
            continue
        if not any(k.arg == "ip" for k in call.keywords):
            not_passed.append(f"{relative}:{call.lineno} {_name(call)}() in {function}")
    assert not not_passed, "a view calls without ip=client_ip(): " + "; ".join(not_passed)


@pytest.mark.parametrize(
    ("action", "detail"),
    [
        # What the run-time keys of DYNAMIC hold.
        ("login_failed", {"failures": 3, "reason": "bad_credentials"}),
        ("login_locked", {"failures": 10, "reason": "inactive", "until": "2026-01-01"}),
        ("attempt_rules_changed", {"review_before": "always", "review": "after_pass"}),
        ("attempt_rules_reset", {"cooldown_minutes_before": None, "cooldown_minutes": 60}),
        ("attempt_rules_reset", {"max_attempts_per_year_before": 2, "max_attempts_per_year": 5}),
        ("city_profile_changed", {"name_before": "", "name": "市", "guideline_before": ""}),
        ("city_profile_changed", {"plan_before": "", "plan": "", "principles_before": ""}),
        ("city_profile_changed", {"guideline": "", "principles": ""}),
        ("assignment_created", {"module": "m", "target": "bands", "bands": ["staff"]}),
        ("assignment_deleted", {"departments": ["総務部"], "due_on": "2026-06-01", "note": ""}),
        ("assignment_changed", {"changed": {"due_on": ["2026-06-01", "2026-07-01"]}}),
        ("assignment_changed", {"changed": {"target": ["everyone", "bands"]}}),
        ("assignment_changed", {"changed": {"bands": [[], ["staff", "management"]]}}),
        ("roster_import", {"rows": 1, "new": 1, "changed": 0, "unchanged": 0}),
        ("roster_import", {"deactivated": 0, "unclassified": 0, "skipped": 0}),
        ("training_import", {"duplicates": 0, "sessions_new": 1, "fiscal_year": None}),
        ("survey_import", {"replaced": 0, "unmapped": 0, "file_name": "a", "sha256": "0"}),
        ("indicator_changed", {"number": {"before": 1, "after": 2}}),
        ("indicator_changed", {"name": {"before": "a", "after": "b"}}),
        ("indicator_changed", {"bands": {"before": ["staff"], "after": ["all"]}}),
        ("indicator_changed", {"settings": {"before": {"assessment": "m"}, "after": {}}}),
        ("indicator_changed", {"settings": {"before": {"pass_mark": 70}, "after": {}}}),
        ("indicator_changed", {"settings": {"before": {"categories": ["a"]}, "after": {}}}),
        ("indicator_created", {"kind": "training_count", "bands": ["all"], "settings": {}}),
        ("export", {"format": "csv", "rows": 1, "band": "unclassified", "department_id": 3}),
        ("export", {"show": "all", "module": "m", "fiscal_year": 2026}),
        ("export", {"action": "login", "date_from": "2026-04-01", "date_to": "2026-04-30"}),
        ("export", {"person": "D0001", "object": "user", "object_id": "3"}),
    ],
)
def test_dynamic_details_have_labels(action, detail):
    from types import SimpleNamespace

    from skillapp.audit.labels import unlabelled

    event = SimpleNamespace(action=action, object_type="", detail=detail)
    assert unlabelled(event) == []


def test_a_missing_label_is_found():
    from types import SimpleNamespace

    from skillapp.audit.labels import unlabelled

    event = SimpleNamespace(
        action="made_up",
        object_type="thing",
        detail={"due_on": "x", "odd_key": 1, "band": "boss", "changed": {"other": [1, 2]}},
    )
    assert unlabelled(event) == [
        "action 'made_up'",
        "object type 'thing'",
        "detail key 'odd_key' of 'made_up'",
        "value 'boss' of 'band' (band) in 'made_up'",
        "detail key 'other' of 'made_up'",
    ]
