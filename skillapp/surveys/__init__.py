"""The annual staff survey: its import, its column mapping and its answers."""

from flask import Blueprint

bp = Blueprint("surveys", __name__)
