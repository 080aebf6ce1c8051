"""The city profile: the city's name, the names of its DX documents and its own
statement of the principles, which the curriculum's placeholders show."""

from flask import Blueprint

bp = Blueprint("city", __name__)
