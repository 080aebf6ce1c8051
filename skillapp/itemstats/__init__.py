"""Item statistics for authors: how each question performed in a fiscal year."""

from flask import Blueprint

bp = Blueprint("itemstats", __name__)
