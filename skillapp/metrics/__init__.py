"""HR dashboards and the HR-development indicators."""

from flask import Blueprint

bp = Blueprint("metrics", __name__)

api_bp = Blueprint("metrics_api", __name__)
