import pytest


@pytest.fixture(autouse=True)
def _database(app):
    """Every roster test runs with the app and an empty database."""
    return app
