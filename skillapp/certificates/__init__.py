"""Certificates of completion (修了証): issue, download, public verification."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
