"""Every route, for every role: who may reach it, and what the rest get."""

from datetime import date

import pytest

from skillapp.assessment import services
from skillapp.certificates.models import Certificate
from skillapp.extensions import db

ROLES = ["learner", "author", "hr", "admin"]
AUTHORS = {"author", "admin"}


@pytest.fixture
def world(make_user, make_module):
    module = make_module()
    owner = make_user("OWNER")
    attempt = services.start_attempt(db.session, owner.id, module)
    certificate = Certificate(
        number="2026-000001",
        code="ABCDEFGHJKMNPQRS",
        user_id=owner.id,
        staff_id=owner.staff_id,
        module_id=module.id,
        attempt_id=attempt.id,
        score=100,
        completed_on=date(2026, 6, 1),
        name=owner.staff.name,
        title=module.current_version.title,
    )
    db.session.add(certificate)
    db.session.commit()
    return {
        "certificate": certificate.number,
        "code": "ABCD-EFGH-JKMN-PQRS",
        "slug": module.slug,
        "attempt": attempt.id,
        "user": owner.id,
        "lesson": module.current_version.lessons[0].key,
        "missing": 999999,
        "sha": "0" * 64,
    }


# (method, path, who may: "any" = every logged-in user, or a set of roles)
ROUTES = [
    ("GET", "/", "any"),
    ("GET", "/history", "any"),
    ("GET", "/modules/{slug}", "any"),
    ("GET", "/modules/{slug}/lessons/{lesson}", "any"),
    ("POST", "/modules/{slug}/attempts", "any"),
    ("GET", "/modules/{slug}/certificate.pdf", "any"),
    ("GET", "/account/password", "any"),
    ("GET", "/admin/users", {"admin"}),
    ("GET", "/admin/users/new", {"admin"}),
    ("POST", "/admin/users/new", {"admin"}),
    ("GET", "/admin/users/{user}", {"admin"}),
    ("POST", "/admin/users/{user}/roles", {"admin"}),
    ("POST", "/admin/users/{user}/password", {"admin"}),
    ("POST", "/admin/users/{user}/sessions/end", {"admin"}),
    ("GET", "/admin/audit", {"admin"}),
    ("GET", "/hr/roster", {"hr", "admin"}),
    ("POST", "/hr/roster/preview", {"hr", "admin"}),
    ("POST", "/hr/roster/confirm", {"hr", "admin"}),
    ("GET", "/hr/roster/imports/{missing}", {"hr", "admin"}),
    ("POST", "/hr/roster/passwords/{missing}", {"hr", "admin"}),
    ("GET", "/hr/titles", {"hr", "admin"}),
    ("GET", "/hr/dashboard", {"hr", "admin"}),
    ("GET", "/hr/dashboard/{slug}", {"hr", "admin"}),
    ("GET", "/hr/dashboard/{slug}/pending.csv", {"hr", "admin"}),
    ("GET", "/hr/indicators/report.pdf?fiscal_year=2026", {"hr", "admin"}),
    ("GET", "/hr/imports/results", {"hr", "admin"}),
    ("POST", "/hr/imports/results/preview", {"hr", "admin"}),
    ("POST", "/hr/imports/results/confirm", {"hr", "admin"}),
    ("GET", "/hr/imports/training", {"hr", "admin"}),
    ("POST", "/hr/imports/training/preview", {"hr", "admin"}),
    ("POST", "/hr/imports/training/confirm", {"hr", "admin"}),
    ("GET", "/hr/surveys", {"hr", "admin"}),
    ("POST", "/hr/surveys/upload", {"hr", "admin"}),
    ("POST", "/hr/surveys/mapping", {"hr", "admin"}),
    ("POST", "/hr/surveys/confirm", {"hr", "admin"}),
    ("GET", "/hr/surveys/mappings/{missing}.yaml", {"hr", "admin"}),
    ("GET", "/api/v1/metrics?fiscal_year=2026", {"hr", "admin"}),
    ("GET", "/images/{sha}", "any"),
    *(
        (method, path, AUTHORS)
        for method, path in [
            ("GET", "/authoring/"),
            ("GET", "/authoring/new"),
            ("POST", "/authoring/new"),
            ("GET", "/authoring/import"),
            ("POST", "/authoring/import"),
            ("POST", "/authoring/import/confirm"),
            ("GET", "/authoring/modules/{slug}"),
            ("POST", "/authoring/modules/{slug}/draft"),
            ("GET", "/authoring/modules/{slug}/settings"),
            ("POST", "/authoring/modules/{slug}/settings"),
            ("GET", "/authoring/modules/{slug}/quiz"),
            ("POST", "/authoring/modules/{slug}/quiz"),
            ("GET", "/authoring/modules/{slug}/new-lesson"),
            ("POST", "/authoring/modules/{slug}/new-lesson"),
            ("GET", "/authoring/modules/{slug}/lessons/{lesson}"),
            ("POST", "/authoring/modules/{slug}/lessons/{lesson}"),
            ("POST", "/authoring/modules/{slug}/lessons/{lesson}/delete"),
            ("POST", "/authoring/modules/{slug}/markdown"),
            ("POST", "/authoring/modules/{slug}/images"),
            ("POST", "/authoring/modules/{slug}/images/x.png/delete"),
            ("GET", "/authoring/modules/{slug}/new-question"),
            ("POST", "/authoring/modules/{slug}/new-question"),
            ("GET", "/authoring/modules/{slug}/questions/q1"),
            ("POST", "/authoring/modules/{slug}/questions/q1"),
            ("POST", "/authoring/modules/{slug}/questions/q1/retire"),
            ("POST", "/authoring/modules/{slug}/questions/q1/move"),
            ("POST", "/authoring/modules/{slug}/questions/q1/delete"),
            ("GET", "/authoring/modules/{slug}/preview"),
            ("GET", "/authoring/modules/{slug}/preview/lessons/{lesson}"),
            ("GET", "/authoring/modules/{slug}/preview/quiz"),
            ("POST", "/authoring/modules/{slug}/publish"),
            ("POST", "/authoring/modules/{slug}/discard"),
            ("GET", "/authoring/modules/{slug}/history"),
            ("GET", "/authoring/modules/{slug}/export.zip"),
        ]
    ),
]

# Routes on one user's own objects: everybody else gets 404.
OWN = [
    ("GET", "/attempts/{attempt}"),
    ("POST", "/attempts/{attempt}/answers"),
    ("POST", "/attempts/{attempt}/submit"),
    ("GET", "/attempts/{attempt}/result"),
    ("GET", "/api/v1/attempts/{attempt}"),
    ("GET", "/certificates/{certificate}.pdf"),
]

# Open to everyone, logged in or not.
PUBLIC = [
    ("GET", "/certificates/verify", 200),
    ("GET", "/certificates/verify/{code}", 200),
    ("GET", "/certificates/verify/0000-0000-0000-0000", 404),
]


def _call(client, method, path):
    return client.open(path, method=method, data={})


def test_every_rule_is_listed(app):
    listed = {path.split("{")[0].split("?")[0].rstrip("/") for _, path, _ in ROUTES} | {
        path.split("{")[0].rstrip("/") for _, path in OWN
    }
    public = {"/login", "/logout", "/language", "/static"} | {
        path.split("{")[0].rstrip("/") for _, path, _ in PUBLIC
    }
    for rule in app.url_map.iter_rules():
        prefix = rule.rule.split("<")[0].rstrip("/")
        assert prefix in listed or prefix in public or prefix == "", rule.rule


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES)
def test_anonymous_is_sent_to_login(client, world, method, path, allowed):
    response = _call(client, method, path.format(**world))
    if path.startswith("/api/"):  # scripts get a JSON 401, not a login page
        assert response.status_code == 401 and response.is_json
        return
    assert response.status_code == 302
    assert "/login" in response.location


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES)
def test_roles(client, login, make_user, world, role, method, path, allowed):
    user = make_user(roles=[] if role == "learner" else [role])
    login(user)
    response = _call(client, method, path.format(**world))
    if allowed == "any" or role in allowed:
        # Allowed through: the page itself may still answer 400/404/422 for
        # an empty form or a missing object.
        assert response.status_code in (200, 302, 400, 404, 422), response.status_code
        if response.status_code == 302:
            assert "/login" not in response.location
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), OWN)
def test_other_peoples_attempts(client, login, make_user, world, role, method, path):
    user = make_user(roles=[] if role == "learner" else [role])
    login(user)
    assert _call(client, method, path.format(**world)).status_code == 404


@pytest.mark.parametrize("role", [None, *ROLES])
@pytest.mark.parametrize(("method", "path", "status"), PUBLIC)
def test_public_pages(client, login, make_user, world, role, method, path, status):
    if role is not None:
        login(make_user(roles=[] if role == "learner" else [role]))
    assert _call(client, method, path.format(**world)).status_code == status


def test_unknown_module_is_404(client, login, make_user):
    login(make_user())
    assert client.get("/modules/no-such-module").status_code == 404
    assert client.post("/modules/no-such-module/attempts").status_code == 404


def test_security_headers(client, login, make_user):
    login(make_user())
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_load_nothing_from_other_hosts(client, login, make_user, world):
    import re

    login(make_user())
    pages = ("/login", "/", "/modules/{slug}", "/modules/{slug}/lessons/{lesson}")
    for path in (*pages, "/history", "/certificates/verify/{code}"):
        html = client.get(path.format(**world)).get_data(as_text=True)
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not url.startswith(("http:", "https:", "//")), url
