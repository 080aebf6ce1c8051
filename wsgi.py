"""WSGI entry point: ``gunicorn wsgi:app``."""

from skillapp import create_app

app = create_app()
