"""Content: the module format on disk, validation, sync into versions, and the
browser editor (drafts, preview, publish, history, import and export)."""

from flask import Blueprint

bp = Blueprint("authoring", __name__)
