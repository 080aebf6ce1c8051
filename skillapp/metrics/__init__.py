"""HR dashboards and the HR-development indicators."""

from flask import Blueprint

bp = Blueprint("metrics", __name__)
