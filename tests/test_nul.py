"""NUL from a browser (a URL, a query string, a form field) cannot be stored
or even compared by PostgreSQL: its driver raises, which was a 500 on most
pages and on the login form. Such a request is refused before any view runs."""

import pytest

from skillapp.assessment import services
from skillapp.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def world(app, make_user, make_module):
    module = make_module()
    user = make_user("OWNER", roles=["author", "hr", "admin"])
    attempt = services.start_attempt(db.session, user.id, module)
    db.session.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is the 500 a browser would see
    return {"user": user, "module": module, "attempt": attempt}


def _urls(app, world):
    """Every GET route, once with NUL in each of its text arguments."""
    module = world["module"]
    values = {
        "slug": module.slug,
        "key": module.current_version.lessons[0].key,
        "number": "2026-000001",
        "code": "ABCD-EFGH-JKMN-PQRS",
        "token": "x",
        "fmt": "csv",
        "filename": "css/app.css",
        "name": "x.png",
        "sha256": "0" * 64,
    }
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "auth.logout":
            continue
        texts = [name for name in rule.arguments if name in values]
        numbers = {name: world["attempt"].id for name in rule.arguments if name not in values}
        for target in texts:
            args = {**values, **numbers, target: values[target] + "\x00"}
            yield rule.endpoint, rule.build(args, append_unknown=False)[1]
        yield rule.endpoint, rule.build({**values, **numbers}, append_unknown=False)[1]


def test_nul_in_a_url_or_query_is_refused_not_a_500(app, client, login, world):
    login(world["user"])
    wrong = []
    for endpoint, url in _urls(app, world):
        for query in ({}, {"q": "a\x00", "action": "\x00", "band": "\x00", "code": "\x00"}):
            response = client.get(url, query_string=query)
            response.close()
            if (
                response.status_code >= 500
                or ("%00" in url or query)
                and (response.status_code not in (400, 404))
            ):
                wrong.append((endpoint, url, bool(query), response.status_code))
    assert not wrong, "\n".join(map(str, wrong))


def test_nul_in_a_form_is_refused_not_a_500(client, make_user):
    user = make_user()
    for data in (
        {"staff_no": "A\x00", "password": "x"},
        {"staff_no": user.staff_no, "password": "x\x00"},
        {"staff_no\x00": "x", "password": "x"},
    ):
        response = client.post("/login", data=data)
        assert response.status_code == 400, (data, response.status_code)
    # The form still works.
    response = client.post("/login", data={"staff_no": user.staff_no, "password": PASSWORD})
    assert response.status_code == 302
    city = client.post("/admin/city/", data={"name": "テスト\x00市"})
    assert city.status_code in (400, 403)
