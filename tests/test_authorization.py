"""Every route, for every role: who may reach it, and what the rest get."""

from datetime import date

import pytest

from skillapp.assessment import services
from skillapp.certificates.models import Certificate
from skillapp.extensions import db

ROLES = ["learner", "author", "hr", "admin"]


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
        "fmt": "csv",
    }


# Who may reach a URL: the longest matching prefix decides. Every rule of the
# app's url_map is checked against this table for every role, so a new route is
# covered the moment it exists; one that needs other access than its prefix
# gives fails here until its prefix (or its own path) is listed.
PUBLIC = "public"  # anyone, logged in or not
ANY = "any"  # every logged-in user
OWNER = "owner"  # only the user the object belongs to; everybody else gets 404
ACCESS = {
    "/": ANY,
    "/static/": PUBLIC,
    "/fonts/": PUBLIC,
    "/login": PUBLIC,
    "/language": PUBLIC,
    "/certificates/verify": PUBLIC,
    "/certificates/": OWNER,
    "/attempts/": OWNER,
    "/api/v1/attempts/": OWNER,
    "/api/v1/metrics": {"hr", "admin"},
    "/admin/": {"admin"},
    "/hr/": {"hr", "admin"},
    "/assignments": {"author", "hr", "admin"},
    "/authoring/item-stats": {"author", "admin"},
    "/authoring/": {"author", "admin"},  # the editor: learners and HR get 403
    "/images/": ANY,  # lesson images (those of drafts for authors only: 404 otherwise)
}

# A value for every URL argument name in the app ("world" keys or literals).
ARGUMENTS = {
    "slug": "slug",
    "key": "lesson",
    "attempt_id": "attempt",
    "user_id": "user",
    "number": "certificate",
    "code": "code",
    "import_id": "missing",
    "fiscal_year": "missing",
    "token": "missing",
    "indicator_id": "missing",
    "assignment_id": "missing",
    "department_id": "missing",
}
LITERALS = {"fmt": "csv", "filename": "css/app.css", "name": "x.png", "sha256": "0" * 64}
# Query strings some pages need to show something rather than a 400.
QUERIES = {"metrics.annual_report": "fiscal_year=2026", "metrics_api.metrics": "fiscal_year=2026"}
# Run last: they end the session the rest of the loop runs in.
LAST = {"auth.logout"}
# What an allowed request may still answer for an empty form or a missing object.
ALLOWED_STATUSES = {200, 302, 400, 404, 422}


def access_of(path: str):
    prefix = max((p for p in ACCESS if path == p.rstrip("/") or path.startswith(p)), key=len)
    return ACCESS[prefix]


def app_routes(app, world) -> list[tuple[str, str, str, object]]:
    """(endpoint, method, URL, access) for every rule and method of the app."""
    routes = []
    for rule in app.url_map.iter_rules():
        values = {}
        for name in sorted(rule.arguments - set(rule.defaults or ())):
            if name in LITERALS:
                values[name] = LITERALS[name]
            else:
                assert name in ARGUMENTS, (
                    f"{rule.rule}: add a value for <{name}> to ARGUMENTS in {__name__}"
                )
                values[name] = world[ARGUMENTS[name]]
        url = rule.build(values, append_unknown=False)[1]
        query = QUERIES.get(rule.endpoint)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append(
                (rule.endpoint, method, f"{url}?{query}" if query else url, access_of(rule.rule))
            )
    routes.sort(key=lambda route: route[0] in LAST)
    return routes


def _call(client, method, path, **kwargs):
    response = client.open(path, method=method, **(kwargs or {"data": {}}))
    response.close()  # static files and downloads stream from open files
    return response


def test_the_table_covers_every_route(app, world):
    routes = app_routes(app, world)
    endpoints = {endpoint for endpoint, *_ in routes}
    # The routes of issue 2's learner path are among them, with the expected access.
    for endpoint in ("learning.home", "assessment.take", "assessment.submit", "admin.users"):
        assert endpoint in endpoints
    assert access_of("/attempts/1/submit") == OWNER
    assert access_of("/certificates/verify/X") == PUBLIC
    assert access_of("/hr/roster") == {"hr", "admin"}
    assert access_of("/history") == ANY
    assert access_of("/authoring/modules/x/publish") == {"author", "admin"}
    assert "authoring.publish" in endpoints and "learning.image" in endpoints


def test_anonymous_is_sent_to_login(client, world, app):
    wrong = []
    for endpoint, method, path, access in app_routes(app, world):
        response = _call(client, method, path)
        if access == PUBLIC:
            ok = response.status_code < 500 and response.status_code not in (401, 403)
            ok = ok and not (response.status_code == 302 and "/login?" in response.location)
        elif path.startswith("/api/"):  # scripts get a JSON 401, not a login page
            ok = response.status_code == 401 and response.is_json
        else:
            ok = response.status_code == 302 and "/login" in response.location
        if not ok:
            wrong.append((endpoint, method, path, response.status_code))
    assert not wrong, wrong


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(app, client, login, make_user, world, role):
    """Each role reaches what the table gives it, gets 403 elsewhere, and 404 for
    another user's attempt or certificate."""
    user = make_user(roles=[] if role == "learner" else [role])
    login(user)
    wrong = []
    for endpoint, method, path, access in app_routes(app, world):
        response = _call(client, method, path)
        status = response.status_code
        if access == OWNER:
            ok = status == 404
        elif access in (ANY, PUBLIC) or role in access:
            ok = status in ALLOWED_STATUSES
            if status == 302:
                ok = endpoint == "auth.logout" or "/login" not in response.location
        else:
            ok = status == 403
        if not ok:
            wrong.append((endpoint, method, path, access, status))
    assert not wrong, wrong


def test_the_owner_reaches_own_attempt_and_certificate(app, client, login, world):
    from skillapp.auth.models import User

    owner = db.session.get(User, world["user"])
    login(owner)
    wrong = []
    for endpoint, method, path, access in app_routes(app, world):
        if access != OWNER:
            continue
        response = _call(client, method, path)
        if response.status_code not in ALLOWED_STATUSES - {404}:
            wrong.append((endpoint, method, path, response.status_code))
    assert not wrong, wrong


@pytest.mark.parametrize("role", [None, *ROLES])
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/certificates/verify", 200),
        ("/certificates/verify/{code}", 200),
        ("/certificates/verify/0000-0000-0000-0000", 404),
    ],
)
def test_public_pages(client, login, make_user, world, role, path, status):
    if role is not None:
        login(make_user(roles=[] if role == "learner" else [role]))
    assert client.get(path.format(**world)).status_code == status


def test_every_post_needs_a_csrf_token(csrf_app, make_user, world):
    """With CSRF protection on (as in production) every POST without the token
    is refused before the view runs, whatever the route."""
    from tests.conftest import PASSWORD, csrf_token_from

    user = make_user(roles=["author", "hr", "admin"])
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"staff_no": user.staff_no, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    posts = [r for r in app_routes(csrf_app, world) if r[1] != "GET"]
    assert len(posts) > 20
    wrong = []
    for endpoint, method, path, _access in posts:
        response = _call(client, method, path)
        if response.status_code != 400:
            wrong.append((endpoint, method, path, response.status_code))
        # A script sending JSON is refused without the X-CSRFToken header too.
        response = _call(client, method, path, json={})
        if response.status_code != 400:
            wrong.append((endpoint, method, path, "json", response.status_code))
    assert not wrong, wrong
    assert client.get("/").status_code == 200  # still logged in: nothing was done


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
