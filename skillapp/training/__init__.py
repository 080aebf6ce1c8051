"""Training sessions and who attended them."""

from flask import Blueprint

bp = Blueprint("training", __name__)
