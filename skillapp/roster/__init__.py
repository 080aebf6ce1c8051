"""Staff, departments, the job-title → band map and the roster import."""

from flask import Blueprint

bp = Blueprint("roster", __name__)
