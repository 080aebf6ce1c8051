"""The history of data imports other than the roster: results, training, surveys,
and HR's upload → preview → confirm pages for results and training."""

from flask import Blueprint

bp = Blueprint("imports", __name__)
