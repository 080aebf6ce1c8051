"""The city profile page (admin) and what pages need of the profile: the
placeholder filters that fill lessons and questions with the city's own names
and targets."""

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from skillapp.auth.roles import ADMIN
from skillapp.city import bp
from skillapp.city.forms import CityProfileForm
from skillapp.city.services import (
    FIELDS,
    Profile,
    configured_profile,
    current_profile,
    stored_profile,
    update_profile,
)
from skillapp.extensions import db
from skillapp.util import placeholders
from skillapp.web import client_ip, role_required


def city_profile() -> Profile:
    """The profile, read once per request."""
    if "city_profile" not in g:
        g.city_profile = current_profile(db.session, current_app.config)
    return g.city_profile


def fill_text(text: str) -> Markup:
    """A question, option or summary with {{city}} … filled in, escaped."""
    return placeholders.fill_text(text, city_profile().placeholder_values())


def fill_lesson(html: str) -> Markup:
    """A lesson's sanitised HTML with its placeholders filled in; the block ones
    only when the lesson has them (the targets table reads the database)."""
    # The blocks come from templates, which escape every value they show.
    blocks = {}
    if "{{" in (html or ""):
        profile = city_profile()
        if "targets" in html:
            page = render_template("city/_targets.html", **_targets())
            blocks["targets"] = Markup(page)  # noqa: S704
        if "principles" in html and profile.principles:
            page = render_template("city/_principles.html", profile=profile)
            blocks["principles"] = Markup(page)  # noqa: S704
    return placeholders.fill_html(html, city_profile().placeholder_values(), blocks)


def _targets() -> dict:
    """Every indicator with its targets by band and fiscal year, as HR keeps them,
    and whether they are still the shipped starting values (another city's plan),
    which the table then says, so that no reader takes them for their city's own."""
    from skillapp.metrics.defaults import DEFAULT_INDICATORS, YEARS
    from skillapp.metrics.services import list_indicators, target_years

    shipped = {
        code: {
            (band, year): float(value)
            for band, values in targets.items()
            for year, value in zip(YEARS, values, strict=True)
        }
        for code, _no, _name, _kind, _settings, targets in DEFAULT_INDICATORS
    }
    years = target_years(db.session)
    own, starting = [], []
    for indicator in list_indicators(db.session):
        by = {(t.band, t.fiscal_year): t.target for t in indicator.targets}
        if not by:
            continue
        rows = [(band, [by.get((band, year)) for year in years]) for band in indicator.bands]
        (starting if by == shipped.get(indicator.code) else own).append((indicator, rows))
    return {"years": years, "own": own, "starting": starting}


@bp.route("/", methods=["GET", "POST"])
@role_required(ADMIN)
def profile():
    form = CityProfileForm(data=stored_profile(db.session))
    if form.validate_on_submit():
        changed = update_profile(
            db.session,
            {field: getattr(form, field).data for field in FIELDS},
            actor_id=current_user.id,
            ip=client_ip(),
        )
        db.session.commit()
        g.pop("city_profile", None)
        flash(
            _("The city profile has been saved.") if changed else _("Nothing changed."), "success"
        )
        return redirect(url_for("city.profile"))
    return render_template(
        "city/profile.html",
        form=form,
        profile=city_profile(),
        configured=configured_profile(current_app.config),
    ), 422 if form.errors else 200
