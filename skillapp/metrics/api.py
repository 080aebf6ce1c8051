"""``GET /api/v1/metrics?fiscal_year=YYYY``: the Metrics JSON (docs/cli-and-files.md)."""

from flask import jsonify, request

from skillapp.auth.roles import ADMIN, HR
from skillapp.extensions import db
from skillapp.metrics import api_bp
from skillapp.metrics.indicators import compute_indicators, figures_json
from skillapp.web import role_required


@api_bp.route("/api/v1/metrics")
@role_required(HR, ADMIN)
def metrics():
    year = request.args.get("fiscal_year", type=int)
    if year is None or not 2000 <= year <= 2100:
        response = jsonify(error="fiscal_year=YYYY is required (2000-2100)")
        response.status_code = 400
        return response
    return jsonify(figures_json(compute_indicators(db.session, year)))
