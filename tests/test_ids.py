"""Ids from outside that cannot name a row: every numeric URL argument of the
app's url_map and every id in a query string answer 404, never a 500 from
the database driver (beyond 2^63 on SQLite, beyond 2^31 on PostgreSQL)."""

from datetime import date

import pytest
from werkzeug.routing.converters import NumberConverter

from skillapp.assessment import services
from skillapp.assignments.services import AssignmentInput, create_assignment
from skillapp.extensions import db
from skillapp.util.ids import MAX_ID, parse_id

HUGE = [str(2**31), str(2**32 + 1), str(2**63), str(2**64), "9" * 30, "9" * 5000]
NOT_IDS = ["0", "00", "01", "-1", "²", "١", "1.0", "1e3", " 1", "0x10"]
# What the test puts in a numeric argument, to be replaced by each huge value.
MARK = 987654


@pytest.fixture
def world(app, make_user, make_module):
    module = make_module()
    owner = make_user("OWNER", roles=["author", "hr", "admin"])
    attempt = services.start_attempt(db.session, owner.id, module)
    assignment = create_assignment(
        db.session, AssignmentInput(module.id, "everyone", date(2026, 12, 31)), by_id=owner.id
    )
    db.session.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is the 500 a browser would see
    return {
        "user": owner,
        "values": {
            "slug": module.slug,
            "key": module.current_version.lessons[0].key,
            "number": "2026-000001",
            "code": "ABCD-EFGH-JKMN-PQRS",
            "token": "x",
            "fmt": "csv",
            "filename": "css/app.css",
            "name": "x.png",
            "sha256": "0" * 64,
        },
        "ids": {"attempt_id": attempt.id, "assignment_id": assignment.id},
    }


def _converters(rule):
    return rule._converters  # name → converter instance (werkzeug keeps no public view)


def _numeric_arguments(rule) -> list[str]:
    return [
        name
        for name, converter in _converters(rule).items()
        if isinstance(converter, NumberConverter)
    ]


def test_every_numeric_url_argument_is_a_bounded_id(app):
    """No rule takes an unbounded number: a new <int:…> route fails here."""
    numeric = [
        (rule.rule, name, _converters(rule)[name])
        for rule in app.url_map.iter_rules()
        for name in _numeric_arguments(rule)
    ]
    assert len(numeric) >= 18
    wrong = [(r, n) for r, n, c in numeric if c.max is None or c.max > MAX_ID or c.signed]
    assert not wrong, "\n".join(map(str, wrong))


def _numeric_urls(app, world):
    """(endpoint, method, URL with MARK in one numeric argument) for every such rule."""
    urls = []
    for rule in app.url_map.iter_rules():
        for target in _numeric_arguments(rule):
            values = {}
            for name in rule.arguments:
                if name == target:
                    values[name] = MARK
                elif name in world["ids"]:
                    values[name] = world["ids"][name]
                elif name in _numeric_arguments(rule):
                    values[name] = 1
                else:
                    values[name] = world["values"][name]
            url = rule.build(values, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                urls.append((rule.endpoint, method, url))
    return urls


def test_huge_and_malformed_ids_in_urls_are_404(app, client, login, world):
    login(world["user"])
    urls = _numeric_urls(app, world)
    assert {e for e, *_ in urls} >= {
        "assessment.take",
        "assessment.save",
        "assessment.submit",
        "assessment.result",
        "assessment.attempt_json",
        "admin.user",
        "assignments.detail",
        "assignments.export_people",
        "roster.import_detail",
        "metrics.edit_indicator",
    }
    wrong = []
    for endpoint, method, url in urls:
        for value in HUGE + NOT_IDS:
            response = client.open(url.replace(str(MARK), value), method=method, data={})
            if response.status_code != 404:
                wrong.append((endpoint, method, value[:12], response.status_code))
    assert not wrong, "\n".join(map(str, wrong))
    assert client.get("/").status_code == 200  # still logged in: nothing happened


def _query_pages(world):
    slug = world["values"]["slug"]
    assignment = world["ids"]["assignment_id"]
    return [
        ("/admin/users", "page"),
        ("/admin/audit", "page"),
        (f"/hr/dashboard/{slug}", "department"),
        (f"/hr/dashboard/{slug}/pending.csv", "department"),
        (f"/hr/dashboard/{slug}/pending.xlsx", "department"),
        (f"/assignments/{assignment}", "department"),
        (f"/assignments/{assignment}/people.csv", "department"),
    ]


def test_huge_ids_in_query_strings_are_404(client, login, world):
    login(world["user"])
    wrong = []
    for path, name in _query_pages(world):
        assert client.get(f"{path}?{name}=1").status_code == 200, path
        assert client.get(f"{path}?{name}=").status_code == 200, path  # "All"
        for value in HUGE + NOT_IDS:
            response = client.get(path, query_string={name: value})
            if response.status_code != 404:
                wrong.append((path, name, value[:12], response.status_code))
    assert not wrong, "\n".join(map(str, wrong))


def test_no_get_route_fails_on_huge_query_ids(app, client, login, world):
    """Every page, with every id-like query parameter set to a huge number."""
    login(world["user"])
    wrong = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "auth.logout":
            continue
        values = {
            name: world["ids"].get(name, 1)
            if name in _numeric_arguments(rule)
            else world["values"][name]
            for name in rule.arguments
        }
        url = rule.build(values, append_unknown=False)[1]
        query = {name: str(2**63) for name in ("page", "department", "fy", "fiscal_year", "id")}
        response = client.get(url, query_string=query)
        response.close()
        if response.status_code >= 500:
            wrong.append((rule.endpoint, response.status_code))
    assert not wrong, "\n".join(map(str, wrong))


def test_ids_are_parsed_strictly():
    assert parse_id("1") == 1 and parse_id(str(MAX_ID)) == MAX_ID and parse_id(7) == 7
    for value in [*HUGE, *NOT_IDS, None, True, 1.5, "", [], MAX_ID + 1, 0, -1]:
        assert parse_id(value) is None, value
