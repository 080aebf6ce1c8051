"""A PostgreSQL restart (or a failover, or an idle connection cut by a
firewall) leaves the pool holding dead connections: each is tested before use
(pool_pre_ping) and replaced, so no request fails with a 500."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from skillapp.extensions import db


def test_the_pool_tests_connections_before_use(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert db.engine.pool._pre_ping


def _terminate_other_backends(url) -> int:
    """What the app sees of a restart: every connection to this database but the
    one asking is closed by the server."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return ended


def test_requests_succeed_after_the_database_dropped_every_connection(
    app, client, login, make_user
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: pg_terminate_backend")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is the 500 a browser would see
    hr = make_user(roles=["hr"]).staff_no
    login(hr)
    for path in ("/", "/hr/dashboard", "/history"):
        assert client.get(path).status_code == 200
    db.session.close()  # the test's own connection goes back to the pool too
    assert _terminate_other_backends(db.engine.url.render_as_string(hide_password=False)) >= 1
    statuses = [client.get(path).status_code for path in ("/", "/hr/dashboard", "/history") * 14]
    assert statuses == [200] * 42, statuses
    # Writes too: the login form works on a fresh connection after another cut.
    client.post("/logout")
    _terminate_other_backends(db.engine.url.render_as_string(hide_password=False))
    assert login(hr, follow=False).status_code == 302
